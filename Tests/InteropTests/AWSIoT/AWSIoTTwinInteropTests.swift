import Foundation
import PKILab
import PKILabTestSupport
import Testing

/// The starter lab (it has `aws_iot:` and `ota:`) on free ports, with `change` applied to its text.
private func withTwinLab(_ change: (String) -> String = { $0 }, image: Bool = false, _ body: (LabProcess) throws -> Void) throws {
    try #require(Run.available("mosquitto_pub"), "the MQTT tests need mosquitto-clients: scripts/test installs it")
    let scratch = try Scratch(lab: change(LabTemplate.starter))
    defer { scratch.remove() }
    if image {
        let made = try Pkilab.run(["ota", "image", "1.2.0", "--size", "200KiB"], in: scratch.path)
        #expect(made.status == 0, "\(made)")
    }
    let lab = try LabProcess(scratch: scratch)
    defer {
        let status = lab.stop()
        #expect(status == 0, "pkilab up exits 0 on SIGTERM:\n\(lab.output.string)")
    }
    try body(lab)
}

extension LabProcess {
    var twinPort: Int { ports["aws-iot"] ?? 0 }
    var twin443Port: Int { ports["aws-iot-443"] ?? 0 }
}

@Suite("The AWS IoT twin against paho and mosquitto: a device written for AWS, policy denials in words, the registry", .serialized,
       .timeLimit(.minutes(5)))
struct AWSIoTTwinInteropTests {
    @Test("A device written for AWS IoT runs unchanged (endpoint and CA file aside): shadow delta, live desired state, a job whose pre-signed URL it downloads",
          arguments: [("3.1.1", false), ("5", true)])
    func deviceWrittenForAWS(version: String, alpn: Bool) throws {
        let python = try #require(pahoPython, "the twin tests need python3-paho-mqtt: scripts/test installs it")
        try withTwinLab(image: true) { lab in
            let listed = try Pkilab.run(["ota", "ls", "--json"], in: lab.scratch.path)
            let rows = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
            let digest = try #require(rows.first?["sha256"] as? String, "\(listed)")
            // The cloud side, before the device connects: desired state, and an OTA job as AWS's OTA writes one.
            let desired = try Pkilab.run(["shadow", "update", "device-001", "--desired", #"{"led":"on"}"#], in: lab.scratch.path)
            #expect(desired.status == 0 && desired.stdout.contains("$aws/things/device-001/shadow/update/delta"), "\(desired)")
            try lab.scratch.write("job.json", """
                {"operation": "ota", "sha256": "\(digest)",
                 "url": "${aws:iot:s3-presigned-url:https://s3.us-east-1.amazonaws.com/firmware/app-v1.2.0.bin}"}
                """)
            let job = try Pkilab.run(["job", "create", "device-001", "--document", "job.json", "--job-id", "ota-1"], in: lab.scratch.path)
            #expect(job.status == 0, "\(job)")

            let config: [String: Any] = ["thing": "device-001", "host": "localhost", "port": alpn ? lab.twin443Port : lab.twinPort, "alpn": alpn,
                                         "version": version, "ca": "ca/root.pem", "cert": "ca/certs/device-001/fullchain.pem",
                                         "key": "ca/certs/device-001/key.pem", "seconds": 30]
            let json = String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self)
            let device = try Background(python, ["-c", awsDeviceScript, json], cwd: lab.scratch.path)
            defer { _ = device.stop() }
            #expect(device.waitForLine(timeout: 20) { $0.contains(#""step": "ready""#) }, "\(device.output.string)\n\(lab.output.string)")
            #expect(device.lines.contains { $0.contains(#""step": "applied""#) && $0.contains(#""led": "on""#) }, "\(device.output.string)")
            #expect(device.waitForLine(timeout: 20) { $0.contains(#""step": "downloaded""#) && $0.contains(#""ok": true"#) },
                    "\(device.output.string)\n\(lab.output.string)")
            #expect(device.lines.contains { $0.contains("\"host\": \"localhost:\(lab.ports["store"] ?? 0)\"") }, "\(device.output.string)")

            // Desired state set while the device listens arrives as a live delta.
            let live = try Pkilab.run(["shadow", "update", "device-001", "--desired", #"{"led":"blue"}"#], in: lab.scratch.path)
            #expect(live.status == 0, "\(live)")
            #expect(device.waitForLine(timeout: 10) { $0.contains(#""step": "applied""#) && $0.contains("blue") }, "\(device.output.string)")
            #expect(device.waitForLine(timeout: 10) { $0.contains(#""step": "reported""#) && $0.contains(#""version": 4"#) }, "\(device.output.string)")

            let jobs = try Pkilab.run(["job", "ls", "device-001"], in: lab.scratch.path)
            #expect(jobs.stdout.contains("device-001  ota-1  SUCCEEDED"), "\(jobs)")
            let document = try Pkilab.run(["shadow", "get", "device-001"], in: lab.scratch.path)
            let parsed = try JSONSerialization.jsonObject(with: Data(document.stdout.utf8)) as? [String: Any]
            let state = parsed?["state"] as? [String: Any]
            #expect((state?["reported"] as? [String: Any])?["led"] as? String == "blue", "\(document)")
            #expect(state?["delta"] == nil, "\(document)")
            let shadowEvent = try #require(lab.mqttEvent("shadow_request", clientID: "device-001"))
            #expect(shadowEvent.endpoint == (alpn ? "aws-iot-443" : "aws-iot"))
            #expect(lab.mqttEvent("jobs_request", clientID: "device-001") != nil)
        }
    }

    @Test("A policy denial closes the connection, as AWS IoT does, and the event says which action on which ARN no statement allowed")
    func denial() throws {
        try withTwinLab { lab in
            let run = try lab.publish("device-001", ["-i", "device-001", "-t", "devices/device-002/state", "-m", "x", "-q", "1"], port: lab.twinPort)
            #expect(run.status != 0, "\(run)")
            let event = try #require(lab.mqttEvent("publish_denied", clientID: "device-001"))
            #expect(event.explanation.contains("iot:Publish on arn:aws:iot:us-east-1:123456789012:topic/devices/device-002/state is not allowed by any statement (default deny)"),
                    "\(event.explanation)")
            #expect(event.mqtt?.closed == true)
            let check = try Pkilab.run(["policy", "check", "--as", "device-001", "--action", "publish", "--topic", "devices/device-002/state"],
                                       in: lab.scratch.path)
            #expect(check.status == 1 && check.stdout.hasPrefix("DENIED") && check.stdout.contains("topic/devices/device-002/state"), "\(check)")
            let allowed = try Pkilab.run(["policy", "check", "aws/device-policy.json", "--as", "device-001", "--action", "publish",
                                          "--topic", "devices/device-001/state"], in: lab.scratch.path)
            #expect(allowed.status == 0 && allowed.stdout.contains("allowed by statement 2 (Sid \"OwnTopics\", Allow)"), "\(allowed)")

            // Another thing's client id: the thing variables stay unreplaced, iot:Connect is denied, no CONNACK.
            let borrowed = try lab.publish("device-001", ["-i", "device-002", "-t", "devices/device-002/state", "-m", "x"], port: lab.twinPort)
            #expect(borrowed.status != 0, "\(borrowed)")
            let refused = try #require(lab.mqttEvent("connect_denied", clientID: "device-002"))
            #expect(refused.explanation.contains("client/device-002"), "\(refused.explanation)")
            #expect(refused.mqtt?.sentCode == nil, "MQTT 3.1.1 hears nothing")
        }
    }

    @Test("An INACTIVE certificate completes TLS and is closed before CONNACK, and the event says how to activate it")
    func inactive() throws {
        try withTwinLab({ $0.replacingOccurrences(of: "device-002: { status: ACTIVE", with: "device-002: { status: INACTIVE") }) { lab in
            let run = try lab.publish("device-002", ["-i", "device-002", "-t", "devices/device-002/state", "-m", "x", "-V", "mqttv5"],
                                      port: lab.twinPort)
            #expect(run.status != 0, "\(run)")
            let event = try #require(lab.mqttEvent("certificate_inactive"))
            #expect(event.explanation.contains("INACTIVE") && event.hint?.contains("status: ACTIVE") == true, "\(event)")
        }
    }

    @Test("Shadows and jobs outlive pkilab up: saved in ca/aws-iot-state.json, read back offline and by the next run")
    func persistence() throws {
        let scratch = try Scratch(lab: LabTemplate.starter)
        defer { scratch.remove() }
        do {
            let lab = try LabProcess(scratch: scratch)
            let update = try Pkilab.run(["shadow", "update", "device-002", "--name", "config", "--desired", #"{"interval":30}"#], in: scratch.path)
            #expect(update.status == 0, "\(update)")
            #expect(lab.stop() == 0)
        }
        let offline = try Pkilab.run(["shadow", "get", "device-002", "--name", "config"], in: scratch.path)
        #expect(offline.status == 0 && offline.stdout.contains(#""interval":30"#) && offline.stdout.contains(#""version":1"#), "\(offline)")
        let mode = try FileManager.default.attributesOfItem(atPath: scratch.path + "/ca/aws-iot-state.json")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let second = try Pkilab.run(["shadow", "update", "device-002", "--name", "config", "--desired", #"{"interval":60}"#], in: scratch.path)
        #expect(second.status == 0 && second.stderr.contains("no lab running"), "\(second)")
        let lab = try LabProcess(scratch: scratch)
        defer { #expect(lab.stop() == 0) }
        let online = try Pkilab.run(["shadow", "get", "device-002", "--name", "config"], in: scratch.path)
        #expect(online.stdout.contains(#""interval":60"#) && online.stdout.contains(#""version":2"#), "\(online)")
    }
}

@Suite("The AWS IoT twin with libmosquitto, the C library of Linux devices", .serialized, .timeLimit(.minutes(3)))
struct AWSIoTTwinLibmosquittoTests {
    @Test("libmosquitto as thing device-002: its shadow get answers on get/accepted; another thing's shadow closes the connection")
    func shadowAndBoundary() throws {
        try withTwinLab { lab in
            let client = try LibmosquittoClient(clientID: "device-002", folder: lab.scratch.path, identity: "device-002", version5: true)
            try client.connect(port: lab.twinPort)
            #expect(client.connack == 0)
            client.subscribe("$aws/things/device-002/shadow/get/+", qos: 1)
            #expect(client.pump { client.granted == [1] }, "granted \(client.granted)")
            client.publish("$aws/things/device-002/shadow/get", "", qos: 1)
            #expect(client.pump { !client.messages.isEmpty })
            #expect(client.messages.first.map { $0.topic == "$aws/things/device-002/shadow/get/rejected" && $0.payload.contains("404") } == true,
                    "\(client.messages)")
            client.publish("$aws/things/device-001/shadow/update", #"{"state":{"desired":{"led":"off"}}}"#, qos: 1)
            #expect(client.pump(seconds: 5) { client.disconnected != nil }, "the connection is closed")
            let event = try #require(lab.mqttEvent("publish_denied", clientID: "device-002"))
            #expect(event.explanation.contains("topic/$aws/things/device-001/shadow/update") && event.mqtt?.sentCode == 0x87, "\(event)")
        }
    }
}
