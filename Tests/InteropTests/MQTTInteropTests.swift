import Foundation
import PKILab
import PKILabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("MQTT broker with mosquitto_pub and mosquitto_sub", .serialized, .timeLimit(.minutes(5)))
struct MQTTInteropTests {
    @Test("QoS 0, 1 and 2 end to end, MQTT 3.1.1 and 5.0, with the connection events", arguments: ["mqttv311", "mqttv5"])
    func qos(version: String) throws {
        try withMQTTLab { lab in
            let sub = try lab.subscriber("device-001", clientID: "sub-\(version)", filters: ["lab/qos/#"], sync: "lab/qos/sync", version: version,
                                         extra: ["-q", "2"])
            for qos in 0...2 {
                let result = try lab.publish("device-002", ["-i", "pub-\(qos)", "-t", "lab/qos/\(qos)", "-m", "message at qos \(qos)", "-q", "\(qos)"],
                                             version: version)
                #expect(result.status == 0, "\(result)")
            }
            #expect(sub.waitForLine { $0 == "lab/qos/2 message at qos 2" }, "\(sub.output.string)")
            sub.stop()
            #expect(sub.lines.filter { !$0.contains("sync") } == (0...2).map { "lab/qos/\($0) message at qos \($0)" })
            let connected = try #require(lab.mqttEvent("connected", clientID: "pub-2"))
            #expect(connected.client?.commonName == "device-002")
            #expect(connected.tlsVersion == "1.3")
            #expect(connected.mqtt?.version == (version == "mqttv5" ? "5.0" : "3.1.1"))
            #expect(lab.mqttEvent("disconnected", clientID: "pub-2") != nil)
        }
    }

    @Test("Retained messages are set, replaced, and cleared by an empty retained message")
    func retained() throws {
        try withMQTTLab { lab in
            for text in ["first", "second"] {
                #expect(try lab.publish("device-001", ["-t", "lab/retained", "-m", text, "-r", "-q", "1"]).status == 0)
            }
            let read = try Run.program("mosquitto_sub", lab.mosquitto("device-002") + ["-t", "lab/retained", "-C", "1", "-W", "10"],
                                       cwd: lab.scratch.path, timeout: 20)
            #expect(read.stdout == "second\n", "\(read)")
            #expect(try lab.publish("device-001", ["-t", "lab/retained", "-n", "-r"]).status == 0)
            let empty = try Run.program("mosquitto_sub", lab.mosquitto("device-002") + ["-t", "lab/retained", "--retained-only", "-W", "2"],
                                        cwd: lab.scratch.path, timeout: 20)
            #expect(empty.stdout.isEmpty, "\(empty)")
        }
    }

    @Test("A will is published when a client dies (SIGKILL), not when it disconnects")
    func will() throws {
        try withMQTTLab { lab in
            let watcher = try lab.subscriber("device-001", clientID: "watcher", filters: ["lab/status/#"], sync: "lab/status/sync")
            let polite = try Run.program("mosquitto_pub", lab.mosquitto("device-002") + ["-i", "polite", "--will-topic", "lab/status/polite",
                                                                                       "--will-payload", "polite died", "-t", "lab/x", "-m", "x"],
                                         cwd: lab.scratch.path, timeout: 20)
            #expect(polite.status == 0)
            let victim = try Background("mosquitto_sub", lab.mosquitto("device-002") + ["-i", "victim", "-t", "lab/nothing", "--will-topic",
                                                                                      "lab/status/victim", "--will-payload", "victim died"],
                                        cwd: lab.scratch.path)
            #expect(lab.mqttEvent("connected", clientID: "victim") != nil)
            victim.stop(signal: SIGKILL)
            #expect(watcher.waitForLine { $0 == "lab/status/victim victim died" }, "\(watcher.output.string)")
            watcher.stop()
            #expect(!watcher.lines.contains { $0.contains("polite died") })
            let lost = try #require(lab.mqttEvent("connection_lost", clientID: "victim"))
            #expect(lost.explanation.contains("Its will to lab/status/victim was published"))
        }
    }

    @Test("A persistent session (clean session off) gets the QoS 1 messages sent while it was away")
    func persistentSession() throws {
        try withMQTTLab { lab in
            let first = try Run.program("mosquitto_sub", lab.mosquitto("device-001") + ["-i", "keeper", "-c", "-q", "1", "-t", "lab/queue", "-E"],
                                        cwd: lab.scratch.path, timeout: 20)
            #expect(first.status == 0, "\(first)")
            #expect(try lab.publish("device-002", ["-t", "lab/queue", "-m", "while you were away", "-q", "1"]).status == 0)
            let second = try Run.program("mosquitto_sub", lab.mosquitto("device-001") + ["-i", "keeper", "-c", "-q", "1", "-t", "lab/queue", "-C", "1", "-W", "10"],
                                         cwd: lab.scratch.path, timeout: 20)
            #expect(second.stdout == "while you were away\n", "\(second)")
            let resumed = try #require(lab.waitForEvent { $0.reason == "connected" && $0.mqtt?.clientID == "keeper" && $0.explanation.contains("session resumed") })
            #expect(resumed.explanation.contains("1 message(s) waiting"))
        }
    }

    @Test("Wildcards: + and # deliver what they match, and # does not match $ topics")
    func wildcards() throws {
        try withMQTTLab { lab in
            let sub = try lab.subscriber("device-001", clientID: "wild", filters: ["lab/+/temp", "lab/deep/#"], sync: "lab/deep/sync")
            for topic in ["lab/room1/temp", "lab/room1/hum", "lab/deep/a/b/c", "lab/room2/temp"] {
                #expect(try lab.publish("device-002", ["-t", topic, "-m", topic]).status == 0)
            }
            #expect(sub.waitForLine { $0.hasPrefix("lab/room2/temp") })
            sub.stop()
            #expect(sub.lines.filter { !$0.contains("sync") }.map { String($0.split(separator: " ")[0]) } == ["lab/room1/temp", "lab/deep/a/b/c", "lab/room2/temp"])
        }
    }

    @Test("Policy matrix, mosquitto behaviour: own subtree allowed; cross publish dropped, cross subscribe refused, both explained")
    func policyMosquitto() throws {
        try withMQTTLab { lab in
            let own = try lab.subscriber("device-001", clientID: "device-001", filters: ["devices/device-001/#"], sync: "devices/device-001/sync")
            // device-002 writes into device-001's subtree: MQTT 3.1.1 cannot be told, so the publish "succeeds" and is dropped.
            let spoof = try lab.publish("device-002", ["-i", "device-002", "-t", "devices/device-001/cmd", "-m", "spoofed", "-q", "1"])
            #expect(spoof.status == 0, "\(spoof)")
            let denied = try #require(lab.mqttEvent("publish_denied", clientID: "device-002"))
            #expect(denied.explanation.hasPrefix("device-002 tried to publish to devices/device-001/cmd; policy allows devices/device-002/#, lab/#"))
            #expect(denied.mqtt?.sentCode == 0 && denied.mqtt?.closed == false)
            // The other direction, MQTT 5: PUBACK 0x87.
            _ = try lab.publish("device-001", ["-i", "device-001-pub", "-t", "devices/device-002/cmd", "-m", "spoofed", "-q", "1"], version: "mqttv5")
            let v5 = try #require(lab.mqttEvent("publish_denied", clientID: "device-001-pub"))
            #expect(v5.mqtt?.sentCode == 0x87)
            // Its own subtree works.
            #expect(try lab.publish("device-001", ["-i", "device-001-own", "-t", "devices/device-001/state", "-m", "mine", "-q", "1"]).status == 0)
            #expect(own.waitForLine { $0 == "devices/device-001/state mine" })
            own.stop()
            #expect(!own.lines.contains { $0.contains("spoofed") })
            // Subscribing to another device's subtree: SUBACK 0x80, which mosquitto_sub reports.
            let snoop = try Run.program("mosquitto_sub", lab.mosquitto("device-002") + ["-i", "snoop", "-t", "devices/device-001/#", "-W", "3"],
                                        cwd: lab.scratch.path, timeout: 20)
            #expect(snoop.stderr.contains("denied") || snoop.stdout.contains("denied"), "\(snoop)")
            let refused = try #require(lab.mqttEvent("subscribe_denied", clientID: "snoop"))
            #expect(refused.explanation.contains("tried to subscribe to devices/device-001/#; policy allows devices/device-002/#, broadcast/#, lab/#"))
        }
    }

    @Test("Policy matrix, aws behaviour: a cross publish or subscribe, a client id that is not the thing name, and QoS 2 close the connection")
    func policyAWS() throws {
        try withMQTTLab { lab in
            let port = lab.awsPort
            #expect(try lab.publish("device-001", ["-i", "device-001", "-t", "devices/device-001/state", "-m", "ok", "-q", "1"], port: port).status == 0)
            #expect(lab.mqttEvent("connected", clientID: "device-001", endpoint: "mqtt-aws") != nil)

            let cases: [(identity: String, arguments: [String], reason: String)] = [
                ("device-002", ["-i", "device-002", "-t", "devices/device-001/state", "-m", "x", "-q", "1"], "publish_denied"),
                ("device-002", ["-i", "device-001", "-t", "devices/device-002/state", "-m", "x"], "client_id_mismatch"),
                ("device-002", ["-i", "device-002", "-t", "devices/device-002/state", "-m", "x", "-q", "2"], "qos_not_supported"),
            ]
            for (identity, arguments, reason) in cases {
                Thread.sleep(forTimeInterval: 1.1)  // AWS IoT takes one CONNECT per second per client id (connect_throttled)
                let result = try lab.publish(identity, arguments, port: port)
                #expect(result.status != 0, "the aws listener closes the connection: \(result)")
                let event = try #require(lab.mqttEvent(reason, endpoint: "mqtt-aws"), "\(reason)")
                #expect(event.mqtt?.closed == true && event.mqtt?.sentCode == nil)
                #expect(event.explanation.contains("as AWS IoT does"))
            }
            Thread.sleep(forTimeInterval: 1.1)
            let snoop = try Run.program("mosquitto_sub", lab.mosquitto("device-002", port: port) + ["-i", "device-002", "-t", "devices/device-001/#", "-W", "3"],
                                        cwd: lab.scratch.path, timeout: 20)
            #expect(snoop.status != 0, "\(snoop)")
            #expect(lab.mqttEvent("subscribe_denied", endpoint: "mqtt-aws") != nil)
        }
    }

    @Test("The plain listener (plain_port) takes MQTT without TLS; its clients have no identity, so only template-free rules apply")
    func plainListener() throws {
        try withMQTTLab { lab in
            let plainPort = try #require(lab.ports["mqtt-plain"], "the ready line names mqtt-plain: \(lab.output.string)")
            let sub = try lab.subscriber("device-001", clientID: "tls-sub", filters: ["lab/plain/#"], sync: "lab/plain/sync")
            let plain = try Run.program("mosquitto_pub", ["-h", "127.0.0.1", "-p", "\(plainPort)", "-i", "plain-pub", "-t", "lab/plain/x", "-m", "no tls", "-q", "1"],
                                        cwd: lab.scratch.path, timeout: 20)
            #expect(plain.status == 0, "\(plain)")
            #expect(sub.waitForLine { $0 == "lab/plain/x no tls" }, "\(sub.output.string)")
            sub.stop()
            let connected = try #require(lab.mqttEvent("connected", clientID: "plain-pub", endpoint: "mqtt-plain"))
            #expect(connected.notes.contains { $0.contains("plain MQTT") } && connected.client == nil && connected.mqtt?.identity == nil)
            // devices/${cn}/# does not apply without a certificate.
            _ = try Run.program("mosquitto_pub", ["-h", "127.0.0.1", "-p", "\(plainPort)", "-i", "plain-2", "-t", "devices/device-001/x", "-m", "x"],
                                cwd: lab.scratch.path, timeout: 20)
            #expect(lab.mqttEvent("publish_denied", clientID: "plain-2", endpoint: "mqtt-plain") != nil)
        }
    }

    @Test("Bad certificates are refused in the TLS handshake with the endpoints' reasons", arguments: [
        (String?.none, "no_client_certificate"), ("expired", "expired"),
    ])
    func badCertificates(identity: String?, reason: String) throws {
        try withMQTTLab { lab in
            let result = try lab.publish(identity, ["-t", "lab/x", "-m", "x"])
            #expect(result.status != 0)
            let event = try #require(lab.waitForEvent { $0.endpoint == "mqtt" && $0.outcome == .rejected && $0.mqtt == nil })
            #expect(event.reason == reason, "\(event)")
        }
    }
}
