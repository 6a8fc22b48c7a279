import Foundation
import PKILabTestSupport
import Testing

/// Starts `pkilab up` on the MQTT lab.
func withMQTTLab(_ body: (LabProcess) throws -> Void) throws {
    try #require(Run.available("mosquitto_pub"), "the MQTT tests need mosquitto-clients: scripts/test installs it (apt-get install mosquitto-clients)")
    let scratch = try Scratch(lab: mqttLab)
    defer { scratch.remove() }
    let lab = try LabProcess(scratch: scratch, arguments: ["--port", "mqtt-aws=0"])
    defer {
        let status = lab.stop()
        #expect(status == 0, "pkilab up exits 0 on SIGTERM:\n\(lab.output.string)")
    }
    try body(lab)
}

extension LabProcess {
    /// mosquitto_pub / mosquitto_sub arguments for `identity` on `port` (nil identity: no client certificate).
    func mosquitto(_ identity: String?, port: Int? = nil, version: String = "mqttv311") -> [String] {
        var arguments = ["-h", "localhost", "-p", "\(port ?? mqttPort)", "--cafile", "ca/root.pem", "-V", version]
        if let identity { arguments += ["--cert", "ca/certs/\(identity)/fullchain.pem", "--key", "ca/certs/\(identity)/key.pem"] }
        return arguments
    }

    func publish(_ identity: String?, _ extra: [String], port: Int? = nil, version: String = "mqttv311") throws -> RunResult {
        try Run.program("mosquitto_pub", mosquitto(identity, port: port, version: version) + extra, cwd: scratch.path, timeout: 30)
    }

    /// A mosquitto_sub running in the background, printing "topic payload" lines; returns once its subscription
    /// is in place (a marker published to `sync` has come back).
    func subscriber(_ identity: String, clientID: String, filters: [String], sync: String, port: Int? = nil, version: String = "mqttv311",
                    extra: [String] = []) throws -> Background {
        let arguments = mosquitto(identity, port: port, version: version) + ["-i", clientID, "-v", "-W", "60"] + filters.flatMap { ["-t", $0] } + extra
        let sub = try Background("mosquitto_sub", arguments, cwd: scratch.path)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && sub.process.isRunning {
            _ = try publish(identity, ["-i", "\(clientID)-sync", "-t", sync, "-m", "sync"], port: port, version: version)
            if sub.waitForLine(timeout: 0.5, { $0 == "\(sync) sync" }) { return sub }
        }
        sub.stop()
        throw LabProcess.Failure(message: "the subscriber \(clientID) never got its subscription:\n\(sub.output.string)\n\(output.string)")
    }
}
