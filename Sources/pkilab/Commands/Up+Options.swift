import ArgumentParser
import PKILab

/// `pkilab up`'s options: their checks, and the ports they set.
extension Up {
    func validate() throws {
        for port in [echoPort, httpsPort, mqttPort].compactMap({ $0 }) + namedPorts.values where !(0...65535).contains(port) {
            throw ValidationError("Please give ports from 0 to 65535.")
        }
        for item in ports where !item.contains("=") || Int(item.split(separator: "=", maxSplits: 1).last ?? "") == nil {
            throw ValidationError("Please give --port as NAME=PORT, for example --port mqtt-plain=1883.")
        }
        if let bind, CertificateName.parseIP(bind) == nil, bind != "localhost" {
            throw ValidationError("Please give --bind an IP address such as 127.0.0.1 or 0.0.0.0.")
        }
        guard (1...600).contains(handshakeTimeout) else { throw ValidationError("Please give a --handshake-timeout from 1 to 600 seconds.") }
        for (flag, value) in [("--time-offset", timeOffset), ("--lab-clock-offset", labClockOffset)] where ClockOffset(parsing: value) == nil {
            throw ValidationError("Please give \(flag) as a signed duration such as +400d, -30d or +12h (not \"\(value)\").")
        }
        for port in [zooPort, zooMqttPort].compactMap({ $0 }) where !(0...65500).contains(port) {
            throw ValidationError("Please give zoo ports from 0 to 65500.")
        }
    }

    /// `--port NAME=PORT`, with `--echo-port`, `--https-port` and `--mqtt-port` for the endpoints of those names.
    var portOverrides: [String: Int] {
        var overrides = namedPorts
        if let echoPort { overrides["echo"] = echoPort }
        if let httpsPort { overrides["https"] = httpsPort }
        if let mqttPort { overrides["mqtt"] = mqttPort }
        return overrides
    }

    var namedPorts: [String: Int] {
        var result: [String: Int] = [:]
        for item in ports {
            let parts = item.split(separator: "=", maxSplits: 1)
            if parts.count == 2, let port = Int(parts[1]) { result[String(parts[0])] = port }
        }
        return result
    }
}
