import ArgumentParser
import PKILab

/// `pkilab up`'s options: their checks, and the ports they set.
extension Up {
    func validate() throws {
        try PortArguments.validate(ports, mode: portsMode, others: [echoPort, httpsPort, mqttPort].compactMap { $0 })
        if let bind, CertificateName.parseIP(bind) == nil, bind != "localhost" {
            throw ValidationError("Please give --bind an IP address such as 127.0.0.1 or 0.0.0.0.")
        }
        guard (1...600).contains(handshakeTimeout) else { throw ValidationError("Please give a --handshake-timeout from 1 to 600 seconds.") }
        _ = try EndpointSpec.TLSEngine.chosen(tlsEngine)
        for (flag, value) in [("--time-offset", timeOffset), ("--lab-clock-offset", labClockOffset)] where ClockOffset(parsing: value) == nil {
            throw ValidationError("Please give \(flag) as a signed duration such as +400d, -30d or +12h (not \"\(value)\").")
        }
        for port in [zooPort, zooMqttPort].compactMap({ $0 }) where !(0...65500).contains(port) {
            throw ValidationError("Please give zoo ports from 0 to 65500.")
        }
        guard (1...3600).contains(detachTimeout) else { throw ValidationError("Please give a --detach-timeout from 1 to 3600 seconds.") }
        if logFile != nil && !detach { throw ValidationError("--log-file goes with --detach (without it the output is this terminal's).") }
    }

    /// What the options change about what lab.yaml serves.
    var settings: ServeSettings {
        var settings = ServeSettings()
        settings.bind = bind
        let parsed = PortArguments.parse(ports)
        settings.ports = parsed.ports
        if let echoPort { settings.conventionalPorts["echo"] = echoPort }
        if let httpsPort { settings.conventionalPorts["https"] = httpsPort }
        if let mqttPort { settings.conventionalPorts["mqtt"] = mqttPort }
        settings.off = parsed.off
        settings.freePorts = portsMode == "auto"
        settings.zoo = zoo
        settings.console = console
        settings.zooPort = zooPort
        settings.zooMqttPort = zooMqttPort
        settings.extraEventFiles = events.map { [$0] } ?? []
        settings.handshakeTimeout = handshakeTimeout
        settings.tlsEngine = try? EndpointSpec.TLSEngine.chosen(tlsEngine)
        settings.timeOffset = ClockOffset(parsing: timeOffset) ?? .zero
        settings.labClockOffset = ClockOffset(parsing: labClockOffset) ?? .zero
        settings.force = force
        return settings
    }
}

/// `--port NAME=PORT|off` (repeatable) and `--ports auto`, as `pkilab up` and `pkilab run` take them.
enum PortArguments {
    /// Rejects a malformed `--port` before anything is read or written (names are checked against the lab later,
    /// still before the PKI is built).
    static func validate(_ items: [String], mode: String?, others: [Int] = []) throws {
        for item in items {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ValidationError("Please give --port as NAME=PORT or NAME=off, for example --port mqtt-plain=1883 or --port sntp=off (not \"\(item)\").")
            }
            if parts[1] == "off" { continue }
            guard let port = Int(parts[1]), (0...65535).contains(port) else {
                throw ValidationError("Please give --port \(parts[0])= a port from 0 to 65535 (0 picks a free one) or off (not \"\(parts[1])\").")
            }
        }
        for port in others where !(0...65535).contains(port) {
            throw ValidationError("Please give ports from 0 to 65535.")
        }
        if let mode, mode != "auto" {
            throw ValidationError("Please give --ports auto (every endpoint on a free port), not \"\(mode)\".")
        }
    }

    /// The ports by listener name, and the listeners switched off.
    static func parse(_ items: [String]) -> (ports: [String: Int], off: Set<String>) {
        var ports: [String: Int] = [:], off: Set<String> = []
        for item in items {
            let parts = item.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            if parts[1] == "off" {
                off.insert(String(parts[0]))
            } else if let port = Int(parts[1]) {
                ports[String(parts[0])] = port
            }
        }
        return (ports, off)
    }
}
