import Foundation
import PKILab
@testable import PKILabEndpoints
import Testing

@Suite("The ready file: the lab ready or why it could not start; the PKILAB_* variables of pkilab run")
struct ReadyFileTests {
    private func ready(pid: Int32? = getpid()) -> ReadyLab {
        let endpoint = RunningEndpoint(name: "aws-iot-443", kind: .mqtt, host: "127.0.0.1", port: 4443, url: "mqtts://localhost:4443",
                                       certificate: "server", clientAuth: .require, clientChain: .complete, trust: ["root"], tls: "1.2", behaviour: "aws")
        return ReadyLab(lab: "t", ca: "/s/root.pem", events: "/s/events.jsonl", endpoints: [endpoint], identities: [], policy: nil, notices: [],
                        timeOffset: "0", labClockOffset: "0", pid: pid)
    }

    @Test("a failure and a ready lab are told apart; an unreadable file is neither")
    func reads() throws {
        let folder = NSTemporaryDirectory() + "ready-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/ready.json"
        let failure = LabStartFailure(.init(status: 69, code: "port_in_use", message: "echo cannot listen", hint: "free it", endpoint: "echo"))
        try failure.write(toFile: path)
        guard case .failed(let read)? = ReadyFile.read(path) else { Issue.record("not a failure"); return }
        #expect(read.error == failure.error && read.pid == getpid())
        #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix("{\"error\":{"))
        try ready().write(toFile: path)
        guard case .ready(let lab)? = ReadyFile.read(path) else { Issue.record("not ready"); return }
        #expect(lab.pid == getpid() && lab.endpoints.first?.port == 4443)
        try "{\"half\":".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(ReadyFile.read(path) == nil)
        #expect(ReadyFile.isAlive(getpid()))
    }

    @Test("variables: names in capitals with _ for anything else; each endpoint's URL, host and port")
    func environment() {
        #expect(ReadyLab.variableName("device-001") == "DEVICE_001" && ReadyLab.variableName("zoo-mqtt.x") == "ZOO_MQTT_X")
        let variables = ready().environment(labFile: "/l/lab.yaml", store: "/s", readyFile: "/s/endpoints.json")
        #expect(variables["PKILAB_AWS_IOT_443_URL"] == "mqtts://localhost:4443")
        #expect(variables["PKILAB_AWS_IOT_443_HOST"] == "localhost" && variables["PKILAB_AWS_IOT_443_PORT"] == "4443")
        #expect(variables["PKILAB_CA"] == "/s/root.pem" && variables["PKILAB_DIR"] == "/s" && variables["PKILAB_LAB"] == "/l/lab.yaml")
        #expect(variables["PKILAB_ENDPOINTS"] == "aws-iot-443" && variables["PKILAB_EVENTS"] == "/s/events.jsonl")
    }
}
