import Foundation
import PKILabTestSupport
import Testing

@Suite("pkilab probe: a device's-eye view of a server, as a CI assertion", .serialized, .timeLimit(.minutes(3)))
struct ProbeTests {
    func probe(_ lab: LabProcess, _ arguments: [String]) throws -> (RunResult, [String: Any]) {
        let run = try Pkilab.run(["probe"] + arguments + ["--json"], in: lab.scratch.path, timeout: 60)
        let json = (try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8))) as? [String: Any] ?? [:]
        return (run, json)
    }

    @Test("The lab's own echo, HTTPS and MQTT endpoints: accepted as a device, refused without a certificate, with what the server asked for")
    func ownEndpoints() throws {
        let scratch = try Scratch(lab: mqttLab.replacingOccurrences(of: "  echo: { enabled: false }\n  https: { enabled: false }\n", with: ""))
        defer { scratch.remove() }
        let lab = try LabProcess(scratch: scratch, arguments: ["--port", "mqtt-aws=0"])
        defer { lab.stop() }
        let (echo, report) = try probe(lab, ["tls://localhost:\(lab.echoPort)", "--as", "device-001"])
        #expect(echo.status == 0, "\(echo)")
        #expect(report["trustedByLab"] as? Bool == true && report["askedForClientCertificate"] as? Bool == true)
        #expect((report["acceptedCANames"] as? [String])?.first?.contains("MQTT Test Root") == true, "\(report)")
        #expect((report["serverChain"] as? [String])?.count == 2)
        #expect(report["tlsVersion"] as? String == "TLSv1.3")

        let (none, refused) = try probe(lab, ["tls://localhost:\(lab.echoPort)", "--as", "none", "--expect", "reject"])
        #expect(none.status == 0, "the refusal was expected: \(none)")
        #expect((refused["error"] as? String)?.contains("certificate required") == true, "\(refused)")
        let (surprised, _) = try probe(lab, ["tls://localhost:\(lab.echoPort)", "--as", "none"])
        #expect(surprised.status == 1, "not what --expect ok says: exit 1")

        let (https, page) = try probe(lab, ["https://localhost:\(lab.httpsPort)/whoami", "--as", "device-002"])
        #expect(https.status == 0 && page["httpStatus"] as? Int == 200, "\(https)")

        let (mqtt, connack) = try probe(lab, ["mqtts://localhost:\(lab.mqttPort)", "--as", "device-001"])
        #expect(mqtt.status == 0 && connack["mqttConnack"] as? Int == 0, "\(mqtt)")
        #expect(lab.mqttEvent("connected", clientID: "device-001") != nil)

        // The aws listener closes a CONNECT whose client id is not the thing name: no CONNACK at all.
        let (aws, closed) = try probe(lab, ["mqtts://localhost:\(lab.awsPort)", "--as", "device-001", "--client-id", "impostor", "--expect", "reject"])
        #expect(aws.status == 0 && closed["mqttConnack"] == nil, "\(aws)")
        #expect((closed["mqttResult"] as? String)?.contains("without CONNACK") == true, "\(closed)")
    }

    @Test("A server the lab root does not vouch for is rejected: another lab's server, and the right server under a wrong name")
    func untrusted() throws {
        let scratch = try Scratch(lab: mqttLab)
        let other = try Scratch(lab: Scratch.lab())
        defer { scratch.remove(); other.remove() }
        #expect(try Pkilab.run(["issue"], in: other.path).status == 0)
        let lab = try LabProcess(scratch: scratch, arguments: ["--port", "mqtt-aws=0"])
        defer { lab.stop() }
        let (foreign, report) = try probe(lab, ["mqtts://localhost:\(lab.mqttPort)", "--as", "device-001", "--ca", other.path + "/ca/root.pem", "--expect", "reject"])
        #expect(foreign.status == 0, "\(foreign)")
        #expect(report["trustedByLab"] as? Bool == false && (report["labVerdict"] as? String)?.contains("local issuer") == true, "\(report)")
        // The server certificate names localhost and 127.0.0.1, not wrong.example.
        let (wrongName, named) = try probe(lab, ["mqtts://localhost:\(lab.mqttPort)", "--as", "device-001", "--servername", "wrong.example", "--expect", "reject"])
        #expect(wrongName.status == 0, "\(wrongName)")
        #expect((named["labVerdict"] as? String)?.contains("mismatch") == true, "\(named)")
    }
}
