import Foundation
import PKILab
import PKILabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The broker's identity boundaries crossed with real clients: mosquitto_sub/mosquitto_pub and paho-mqtt try to
/// use another identity's session, read what their policy does not allow, and fill the broker's caps.
@Suite("MQTT identity boundaries and caps with mosquitto_sub/pub and paho", .serialized, .timeLimit(.minutes(5)))
struct MQTTIdentityInteropTests {
    @Test("device-002 cannot take over device-001's persistent session by its client id (3.1.1 and 5, plain and aws listeners)",
          arguments: ["mqttv311", "mqttv5"])
    func noSessionTakeover(version: String) throws {
        try withMQTTLab { lab in
            let expiry = version == "mqttv5" ? ["-x", "3600"] : []
            let made = try Run.program("mosquitto_sub", lab.mosquitto("device-001", version: version)
                                        + ["-i", "device-001", "-c", "-q", "1", "-t", "devices/device-001/#", "-E"] + expiry, cwd: lab.scratch.path, timeout: 20)
            #expect(made.status == 0, "\(made)")
            for index in 1...3 {
                let sent = try lab.publish("device-001", ["-i", "d1pub", "-t", "devices/device-001/queued", "-m", "q\(index)", "-q", "1"], version: version)
                #expect(sent.status == 0, "\(sent)")
            }
            // The reproduction from the audit: device-002's certificate with device-001's client id.
            let stolen = try Run.program("mosquitto_sub", lab.mosquitto("device-002", version: version)
                                          + ["-i", "device-001", "-c", "-q", "1", "-t", "devices/device-002/x", "-v", "-W", "3"] + expiry,
                                          cwd: lab.scratch.path, timeout: 20)
            #expect(stolen.status != 0 && !stolen.stdout.contains("q1"), "\(stolen)")
            #expect((stolen.stderr + stolen.stdout).lowercased().contains(version == "mqttv5" ? "client identifier not valid" : "identifier rejected"), "\(stolen)")
            let event = try #require(lab.waitForEvent { $0.reason == "client_id_in_use" }, "\(lab.output.string)")
            #expect(event.explanation.contains("belongs to the session of device-001"), "\(event.explanation)")
            #expect(event.mqtt?.sentCode == (version == "mqttv5" ? 0x85 : 2))

            // No certificate on the plain listener: refused the same way.
            let plainPort = try #require(lab.ports["mqtt-plain"])
            let plain = try Run.program("mosquitto_sub", ["-h", "127.0.0.1", "-p", "\(plainPort)", "-V", version, "-i", "device-001", "-c", "-q", "1",
                                                          "-t", "#", "-v", "-W", "3"] + expiry, cwd: lab.scratch.path, timeout: 20)
            #expect(plain.status != 0 && !plain.stdout.contains("q1"), "\(plain)")

            // The owner still gets all three.
            let owner = try Run.program("mosquitto_sub", lab.mosquitto("device-001", version: version)
                                         + ["-i", "device-001", "-c", "-q", "1", "-t", "devices/device-001/#", "-C", "3", "-W", "10"] + expiry,
                                         cwd: lab.scratch.path, timeout: 20)
            #expect(owner.stdout == "q1\nq2\nq3\n", "\(owner)")

            // A session made on the aws listener is not reachable through the mosquitto one by another identity.
            let aws = try Run.program("mosquitto_sub", lab.mosquitto("device-002", port: lab.awsPort, version: version)
                                       + ["-i", "device-002", "-c", "-q", "1", "-t", "devices/device-002/#", "-E"] + expiry, cwd: lab.scratch.path, timeout: 20)
            #expect(aws.status == 0, "\(aws)")
            let across = try Run.program("mosquitto_sub", lab.mosquitto("device-001", version: version)
                                          + ["-i", "device-002", "-c", "-q", "1", "-t", "devices/device-001/#", "-W", "3"] + expiry,
                                          cwd: lab.scratch.path, timeout: 20)
            #expect(across.status != 0, "\(across)")
        }
    }

    @Test("A connected owner is not kicked off by another identity using its client id")
    func ownerStaysConnected() throws {
        try withMQTTLab { lab in
            let owner = try lab.subscriber("device-001", clientID: "device-001", filters: ["devices/device-001/#"], sync: "devices/device-001/sync")
            defer { owner.stop() }
            let intruder = try lab.publish("device-002", ["-i", "device-001", "-t", "devices/device-002/x", "-m", "x"])
            #expect(intruder.status != 0, "\(intruder)")
            #expect(try lab.publish("device-001", ["-i", "d1pub", "-t", "devices/device-001/after", "-m", "still here", "-q", "1"]).status == 0)
            #expect(owner.waitForLine { $0 == "devices/device-001/after still here" }, "\(owner.output.string)\n\(lab.output.string)")
            #expect(lab.mqttEvent("session_taken_over") == nil)
        }
    }

    @Test("paho-mqtt with an empty client id gets an unguessable auto- id, different each time")
    func assignedClientID() throws {
        try withMQTTLab { lab in
            let python = try #require(pahoPython, "the paho tests need python3-paho-mqtt: scripts/test installs it")
            var ids: [String] = []
            for _ in 0..<2 {
                let run = try Run.program(python, ["-c", pahoAssigned, "\(lab.mqttPort)"], cwd: lab.scratch.path, timeout: 30)
                let id = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(id.hasPrefix("auto-") && id.count == 41, "\(run)")
                ids.append(id)
            }
            #expect(ids[0] != ids[1])
        }
    }

    @Test("Delivery is authorized: with subscriptions: filter, # is granted and only what the policy allows arrives; caps are hit once each")
    func filteredWildcardAndCaps() throws {
        try #require(Run.available("mosquitto_sub"), "scripts/test installs mosquitto-clients")
        let scratch = try Scratch(lab: capsLab)
        defer { scratch.remove() }
        let lab = try LabProcess(scratch: scratch)
        defer { #expect(lab.stop() == 0, "\(lab.output.string)") }

        // Retained: three fit, the fourth is refused (MQTT 5 hears 0x97).
        for index in 1...3 {
            #expect(try lab.publish("device-001", ["-t", "devices/device-001/r\(index)", "-m", "retained \(index)", "-r", "-q", "1"]).status == 0)
        }
        let fourth = try lab.publish("device-001", ["-t", "devices/device-001/r4", "-m", "retained 4", "-r", "-q", "1", "-d"], version: "mqttv5")
        #expect(fourth.stdout.contains("PUBACK") || fourth.stderr.contains("quota") || fourth.stderr.contains("Quota"), "\(fourth)")
        let retainedEvent = try #require(lab.waitForEvent { $0.reason == "retained_limit" }, "\(lab.output.string)")
        #expect(retainedEvent.hint?.contains("broker.max_retained_messages") == true)

        // device-002 subscribes to everything: granted, but device-001's retained and live messages never arrive.
        let wide = try lab.subscriber("device-002", clientID: "wide", filters: ["#"], sync: "devices/device-002/sync")
        defer { wide.stop() }
        #expect(try lab.publish("device-001", ["-t", "devices/device-001/secret", "-m", "not for 002", "-q", "1"]).status == 0)
        #expect(try lab.publish("device-002", ["-i", "own", "-t", "devices/device-002/mine", "-m", "for 002", "-q", "1"]).status == 0)
        #expect(wide.waitForLine { $0 == "devices/device-002/mine for 002" }, "\(wide.output.string)")
        #expect(!wide.output.string.contains("device-001"), "\(wide.output.string)")
        #expect(lab.mqttEvent("receive_denied") != nil, "\(lab.output.string)")

        // Subscriptions per session: 4 allowed, the fifth refused in its SUBACK.
        let many = try Run.program("mosquitto_sub", lab.mosquitto("device-001", version: "mqttv5")
                                    + ["-i", "many", "-E", "-d"] + (1...5).flatMap { ["-t", "devices/device-001/s\($0)"] }, cwd: scratch.path, timeout: 20)
        #expect(many.stdout.contains("0x97") || many.stdout.lowercased().contains("quota") || many.stdout.contains("151"), "\(many)")
        #expect(lab.waitForEvent { $0.reason == "subscription_limit" } != nil, "\(lab.output.string)")

        // Sessions: the cap of 8 counts the live ones (wide, six keepers and a filler); one more is refused with
        // CONNACK code 3 (MQTT 3.1.1; 0x97 in MQTT 5).
        var keepers: [Background] = []
        defer { for keeper in keepers { keeper.stop() } }
        for index in 0..<6 {
            keepers.append(try lab.subscriber("device-001", clientID: "keep-\(index)", filters: ["devices/device-001/k/#"], sync: "devices/device-001/k/\(index)"))
        }
        keepers.append(try Background("mosquitto_sub", lab.mosquitto("device-001") + ["-i", "filler", "-t", "devices/device-001/f"], cwd: scratch.path))
        #expect(lab.waitForEvent { $0.reason == "connected" && $0.mqtt?.clientID == "filler" } != nil, "\(lab.output.string)")
        let refused = try lab.publish("device-001", ["-i", "one-too-many", "-t", "devices/device-001/x", "-m", "x"])
        #expect(refused.status != 0 && refused.stderr.lowercased().contains("unavailable"), "\(refused)")
        #expect(lab.waitForEvent { $0.reason == "session_limit" }?.hint?.contains("broker.max_sessions") == true, "\(lab.output.string)")
    }
}

extension MQTTIdentityInteropTests {
    @Test("SIGHUP puts an edited policy in force on existing sessions: a subscription made before stops carrying what is no longer allowed")
    func policyReload() throws {
        try #require(Run.available("mosquitto_sub"), "scripts/test installs mosquitto-clients")
        let before = """
            lab: reload
            authorities:
              root: { subject: { CN: Reload Root } }
            certificates:
              server: { role: server, names: [localhost, 127.0.0.1] }
              device-001: { role: client }
              device-002: { role: client }
            policy:
              - allow: [publish, subscribe]
                topics: ["lab/#"]
            endpoints:
              echo: { enabled: false }
              https: { enabled: false }
              mqtt: { port: 0 }
            """
        let scratch = try Scratch(lab: before)
        defer { scratch.remove() }
        let lab = try LabProcess(scratch: scratch)
        defer { #expect(lab.stop() == 0, "\(lab.output.string)") }
        let listener = try lab.subscriber("device-001", clientID: "listener", filters: ["lab/#"], sync: "lab/sync")
        defer { listener.stop() }
        #expect(try lab.publish("device-002", ["-i", "talker", "-t", "lab/before", "-m", "allowed", "-q", "1"]).status == 0)
        #expect(listener.waitForLine { $0 == "lab/before allowed" }, "\(listener.output.string)")

        // Subscribing to lab/ is no longer allowed; publishing still is.
        try scratch.write("lab.yaml", before.replacingOccurrences(of: """
              - allow: [publish, subscribe]
                topics: ["lab/#"]
            """, with: """
              - allow: publish
                topics: ["lab/#"]
              - allow: [publish, subscribe]
                topics: ["devices/${cn}/#"]
            """))
        kill(lab.process.processIdentifier, SIGHUP)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && !lab.output.string.contains("Policy reloaded") { usleep(50_000) }
        #expect(lab.output.string.contains("Policy reloaded from lab.yaml (SIGHUP): 2 rule(s)"), "\(lab.output.string)")
        #expect(try lab.publish("device-002", ["-i", "talker", "-t", "lab/after", "-m", "not any more", "-q", "1"]).status == 0)
        #expect(lab.waitForEvent { $0.reason == "receive_denied" && $0.mqtt?.clientID == "listener" } != nil, "\(lab.output.string)")
        #expect(!listener.output.string.contains("not any more"), "\(listener.output.string)")

        // A broken file is not loaded: the running policy stays.
        try scratch.write("lab.yaml", before + "\n  bogus: [")
        kill(lab.process.processIdentifier, SIGHUP)
        let second = Date().addingTimeInterval(10)
        while Date() < second && !lab.output.string.contains("the policy was not reloaded") { usleep(50_000) }
        #expect(lab.output.string.contains("the running policy is unchanged"), "\(lab.output.string)")
    }
}

/// The MQTT lab with the Mosquitto-style subscription check and small caps, so each can be hit once.
private let capsLab = """
    lab: mqtt-caps
    authorities:
      root: { subject: { CN: MQTT Caps Root } }
    certificates:
      server: { role: server, names: [localhost, 127.0.0.1] }
      device-001: { role: client }
      device-002: { role: client }
    policy:
      - allow: [publish, subscribe]
        topics: ["devices/${cn}/#"]
    broker: { max_sessions: 8, max_retained_messages: 3 }
    endpoints:
      echo: { enabled: false }
      https: { enabled: false }
      mqtt: { port: 0, subscriptions: filter, max_subscriptions: 4 }
    """

/// paho-mqtt, MQTT 5, empty client id: prints the id the broker assigned.
private let pahoAssigned = #"""
import sys, ssl, threading
import paho.mqtt.client as mqtt
try:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION1, client_id="", protocol=mqtt.MQTTv5)
except AttributeError:
    client = mqtt.Client(client_id="", protocol=mqtt.MQTTv5)
client.tls_set(ca_certs="ca/root.pem", certfile="ca/certs/device-001/fullchain.pem", keyfile="ca/certs/device-001/key.pem", cert_reqs=ssl.CERT_REQUIRED)
done = threading.Event()
def on_connect(c, userdata, flags, rc, properties=None):
    print(getattr(properties, "AssignedClientIdentifier", "none"))
    done.set()
client.on_connect = on_connect
client.connect("localhost", int(sys.argv[1]), keepalive=30, clean_start=True)
client.loop_start()
done.wait(10)
client.disconnect()
client.loop_stop()
"""#
