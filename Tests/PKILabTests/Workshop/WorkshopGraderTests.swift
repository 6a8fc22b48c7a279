import Foundation
import PKILab
import Testing

@Suite("Workshop grading: attribution, the exercises' rules, the zoo")
struct WorkshopGraderTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z

    /// A client certificate as an endpoint reports it.
    static func certificate(_ cn: String, subject: String? = nil) -> ConnectionEvent.ClientCertificate {
        let json = """
            {"subject": "\(subject ?? "CN=\(cn)")", "commonName": "\(cn)", "issuer": "CN=Lab Issuing CA", "serial": "0a", \
            "fingerprintSHA256": "ab", "notBefore": 0, "notAfter": 0, "names": [], "chain": []}
            """
        return try! JSONDecoder().decode(ConnectionEvent.ClientCertificate.self, from: Data(json.utf8))
    }

    static func event(_ endpoint: String = "echo", _ outcome: ConnectionEvent.Outcome = .accepted, _ reason: String = "ok",
                      peer: String = "10.0.0.1:40000", cn: String? = nil, at seconds: Double = 0) -> ConnectionEvent {
        var event = ConnectionEvent(time: start.addingTimeInterval(seconds), endpoint: endpoint, peer: peer, outcome: outcome,
                                    reason: reason, explanation: "\(reason) words", hint: "hint for \(reason)")
        event.client = cn.map { certificate($0) }
        return event
    }

    static func mqtt(_ outcome: ConnectionEvent.Outcome, _ reason: String, identity: String, peer: String = "10.0.0.1:41000",
                     topic: String? = nil, at seconds: Double = 0) -> ConnectionEvent {
        var event = Self.event("mqtt", outcome, reason, peer: peer, cn: identity, at: seconds)
        event.mqtt = .init(clientID: identity, identity: identity, version: "5.0", topic: topic, sentCode: nil, closed: false)
        return event
    }

    /// A connection to a zoo server; `mqtt` for its MQTT listener. `completed` nil: what a good device does.
    static func zoo(_ scenario: ZooServer, completed: Bool? = nil, mqtt: Bool = false, peer: String = "10.0.0.7:50000",
                    at seconds: Double = 0) -> ConnectionEvent {
        let completed = completed ?? (scenario.expectation == .accept || scenario.expectation == .either)
        var event = Self.event(mqtt ? "zoo-mqtt-\(scenario.rawValue)" : "zoo-\(scenario.rawValue)", completed ? .accepted : .rejected,
                               completed ? "ok" : "client_rejected_server", peer: peer, at: seconds)
        event.zoo = .init(scenario: scenario, completedHandshake: completed, sentData: completed)
        return event
    }

    @Test("attendees known up front start with every exercise pending; others seen with a certificate are added; sorted by identity")
    func attendees() throws {
        var grader = WorkshopGrader(identities: ["device-0002", "device-0001", "device-0002"])
        #expect(grader.attendees.map(\.identity) == ["device-0001", "device-0002"])
        let fresh = try #require(grader.status(of: "device-0001"))
        #expect(fresh.exercises.count == WorkshopExercise.allCases.count && fresh.exercises.values.allSatisfy { $0 == .pending })
        #expect(fresh.lastSeen == nil && fresh.connections == 0 && fresh.zoo == nil)
        #expect(grader.record(Self.event(peer: "10.0.0.9:1", cn: "alice-laptop")) == ["alice-laptop"])
        #expect(grader.attendees.map(\.identity) == ["alice-laptop", "device-0001", "device-0002"])
        #expect(grader.record(Self.event(peer: "10.0.0.10:1")) == [], "no certificate from an unknown host: nobody")
        #expect(grader.status(of: "nobody") == nil)
    }

    @Test("the zoo's own bad client certificates name no attendee and claim no host")
    func zooClientCertificates() {
        var grader = WorkshopGrader(identities: ["device-0001"])
        var event = Self.event("echo", .rejected, "expired", peer: "10.0.0.1:2")
        event.client = Self.certificate("zoo-expired", subject: "O=pkilab zoo,CN=zoo-expired")
        #expect(grader.identity(of: event) == nil)
        #expect(grader.record(event) == [] && grader.attendees.count == 1)
        grader.record(Self.event(peer: "10.0.0.1:3", cn: "device-0001"))
        #expect(grader.identity(of: event) == "device-0001", "then by host, the zoo certificate aside")
        #expect(grader.status(of: "device-0001")?.result(.expiry).status == .pending, "the zoo's expired client is not the attendee's")
    }

    @Test("first connection: accepted with the attendee's certificate on a lab endpoint, not the zoo; the first evidence stays")
    func firstConnection() throws {
        var grader = WorkshopGrader(identities: ["device-0001"])
        var zooAccepted = Self.zoo(.good, peer: "10.0.0.1:1")
        zooAccepted.client = Self.certificate("device-0001")
        grader.record(zooAccepted)
        #expect(grader.status(of: "device-0001")?.result(.firstConnection).status == .pending)
        grader.record(Self.event("https", .rejected, "no_client_certificate", peer: "10.0.0.1:2"))
        #expect(grader.status(of: "device-0001")?.result(.firstConnection).status == .pending, "attributed by host, but no certificate")
        grader.record(Self.event("echo", cn: "device-0001", at: 67))
        let result = try #require(grader.status(of: "device-0001")?.result(.firstConnection))
        #expect(result.status == .passed && result.time == Self.start.addingTimeInterval(67))
        #expect(result.evidence == "echo accepted the certificate at 08:01:07 UTC.")
        grader.record(Self.event("mqtt", cn: "device-0001", at: 90))
        grader.record(Self.event("echo", .rejected, "revoked", cn: "device-0001", at: 100))
        let later = try #require(grader.status(of: "device-0001"))
        #expect(later.result(.firstConnection) == result, "once passed it stays passed, with its first evidence")
        #expect(later.result(.revocation).status == .passed)
    }

    @Test("policy denial: a broker refusal by policy of the attendee's identity; other broker refusals do not count")
    func policyDenial() throws {
        for reason in ["publish_denied", "subscribe_denied", "receive_denied", "will_denied", "connect_denied"] {
            var grader = WorkshopGrader(identities: [])
            grader.record(Self.mqtt(.rejected, reason, identity: "device-0001", topic: "devices/device-0002/t", at: 5))
            let result = try #require(grader.status(of: "device-0001")?.result(.policyDenial))
            #expect(result.status == .passed, "\(reason)")
            #expect(result.evidence == "mqtt refused it by policy (\(reason) on devices/device-0002/t) at 08:00:05 UTC.")
        }
        var grader = WorkshopGrader(identities: [])
        for reason in ["payload_too_large", "client_id_in_use", "protocol_violation"] {
            grader.record(Self.mqtt(.rejected, reason, identity: "device-0001"))
        }
        grader.record(Self.event("https", .rejected, "publish_denied", cn: "device-0001"))
        #expect(grader.status(of: "device-0001")?.result(.policyDenial).status == .pending, "not a policy refusal, or not the broker's")
    }

    @Test("expiry and revocation: the attendee's certificate refused as expired or revoked; not by host, not on the zoo")
    func expiryAndRevocation() throws {
        var grader = WorkshopGrader(identities: ["device-0001"])
        grader.record(Self.event(peer: "10.0.0.1:1", cn: "device-0001"))
        grader.record(Self.event("echo", .rejected, "expired", peer: "10.0.0.1:2"))
        grader.record(Self.event("echo", .rejected, "revoked", peer: "10.0.0.1:3"))
        var status = try #require(grader.status(of: "device-0001"))
        #expect(status.result(.expiry).status == .pending && status.result(.revocation).status == .pending, "needs the certificate")
        grader.record(Self.event("https", .rejected, "expired", cn: "device-0001", at: 3))
        grader.record(Self.event("mqtt", .rejected, "revoked", cn: "device-0001", at: 4))
        status = try #require(grader.status(of: "device-0001"))
        #expect(status.result(.expiry) == ExerciseResult(status: .passed, evidence: "https refused the expired certificate at 08:00:03 UTC.",
                                                        time: Self.start.addingTimeInterval(3)))
        #expect(status.result(.revocation).evidence == "mqtt refused the revoked certificate at 08:00:04 UTC.")
        var other = WorkshopGrader(identities: [])
        other.record(Self.event("zoo-good", .rejected, "expired", cn: "device-0002"))
        #expect(other.status(of: "device-0002")?.result(.expiry).status == .pending, "the zoo's listeners do not grade certificates")
    }

    @Test("wrong CA bundle: the device refuses a lab server from a host only its certificate was seen from")
    func wrongCABundle() throws {
        var grader = WorkshopGrader(identities: ["device-0001", "device-0002"])
        let refused = Self.event("mqtt", .rejected, "client_rejected_server", peer: "192.168.1.20:51000", at: 30)
        #expect(grader.identity(of: refused) == nil)
        #expect(grader.record(refused) == [], "the host was never seen with a certificate")
        grader.record(Self.event("mqtt", peer: "192.168.1.20:50999", cn: "device-0001"))
        #expect(grader.identity(of: refused) == "device-0001")
        grader.record(Self.zoo(.untrustedRoot, peer: "192.168.1.20:51001"))
        #expect(grader.status(of: "device-0001")?.result(.wrongCABundle).status == .pending, "refusing a zoo server is the zoo's exercise")
        #expect(grader.record(refused) == ["device-0001"])
        let status = try #require(grader.status(of: "device-0001"))
        #expect(status.result(.wrongCABundle).evidence == "The device refused mqtt's server at 08:00:30 UTC.")
        #expect(status.hosts == ["192.168.1.20"] && status.lastReason == "client_rejected_server")
        #expect(grader.status(of: "device-0002")?.result(.wrongCABundle).status == .pending)
    }

    @Test("a host two identities were seen from attributes nothing, from then on; IPv6 peers are split like ZooReport does")
    func sharedHost() throws {
        var grader = WorkshopGrader(identities: ["device-0001", "device-0002"])
        grader.record(Self.event(peer: "127.0.0.1:1000", cn: "device-0001"))
        grader.record(Self.event(peer: "127.0.0.1:1001", cn: "device-0002"))
        let refused = Self.event("echo", .rejected, "client_rejected_server", peer: "127.0.0.1:1002")
        #expect(grader.identity(of: refused) == nil)
        #expect(grader.record(refused) == [])
        grader.record(Self.event(peer: "127.0.0.1:1003", cn: "device-0001"))
        #expect(grader.identity(of: refused) == nil, "shared stays shared")
        #expect(grader.status(of: "device-0001")?.result(.wrongCABundle).status == .pending)
        grader.record(Self.event(peer: "[::1]:2000", cn: "device-0001"))
        #expect(grader.identity(of: Self.event("echo", .rejected, "client_rejected_server", peer: "[::1]:2001")) == "device-0001")
        #expect(grader.status(of: "device-0001")?.hosts == ["127.0.0.1", "::1"])
    }

    @Test("last event and counts: an MQTT connection's events count once, refusals each")
    func counts() throws {
        var grader = WorkshopGrader(identities: [])
        grader.record(Self.mqtt(.accepted, "connected", identity: "device-0001", peer: "10.0.0.1:41000", at: 1))
        grader.record(Self.mqtt(.rejected, "publish_denied", identity: "device-0001", peer: "10.0.0.1:41000", at: 2))
        grader.record(Self.mqtt(.closed, "disconnected", identity: "device-0001", peer: "10.0.0.1:41000", at: 3))
        grader.record(Self.mqtt(.accepted, "connected", identity: "device-0001", peer: "10.0.0.1:41001", at: 4))
        grader.record(Self.event("echo", .accepted, "ok", peer: "10.0.0.1:41002", cn: "device-0001", at: 5))
        grader.record(Self.event("https", .rejected, "closed_unused", peer: "10.0.0.1:41003", at: 6))
        grader.record(Self.event("https", .rejected, "no_client_certificate", peer: "10.0.0.1:41004", at: 7))
        let status = try #require(grader.status(of: "device-0001"))
        #expect(status.connections == 5 && status.refusals == 2)
        #expect(status.lastSeen == Self.start.addingTimeInterval(7) && status.lastEndpoint == "https" && status.lastOutcome == "rejected")
        #expect(status.lastReason == "no_client_certificate" && status.lastExplanation == "no_client_certificate words")
        #expect(status.lastHint == "hint for no_client_certificate")
    }

    @Test("zoo: passed when every server was tried and none failed, even when the zoo came before the certificate")
    func zooPassed() throws {
        var grader = WorkshopGrader(identities: ["device-0001"])
        for (index, scenario) in ZooServer.allCases.enumerated() {
            #expect(grader.record(Self.zoo(scenario, at: Double(index))) == [], "host not yet known")
        }
        for scenario in ZooServer.mqttVariants { grader.record(Self.zoo(scenario, mqtt: true, at: 20)) }
        #expect(grader.record(Self.event(peer: "10.0.0.7:1", cn: "device-0001", at: 30)) == ["device-0001"])
        let status = try #require(grader.status(of: "device-0001"))
        #expect(status.zoo == ZooScore(graded: 16, passed: 16, total: 16, wronglyAccepted: []))
        #expect(status.result(.zoo) == ExerciseResult(status: .passed, evidence: "All 16 zoo servers tried, none failed (last: zoo-mqtt-revoked at 08:00:20 UTC).",
                                                      time: Self.start.addingTimeInterval(20)))
        grader.record(Self.zoo(.expired, completed: true, peer: "10.0.0.7:2", at: 40))
        #expect(grader.status(of: "device-0001")?.result(.zoo).status == .failed, "the zoo follows the current report")
    }

    @Test("zoo: failed names the servers; pending says how many were tried; a shared host takes its zoo events away")
    func zooFailedAndPending() throws {
        var grader = WorkshopGrader(identities: ["device-0001", "device-0002"])
        grader.record(Self.event(peer: "10.0.0.8:1", cn: "device-0002"))
        grader.record(Self.zoo(.good, peer: "10.0.0.8:2", at: 1))
        grader.record(Self.zoo(.expired, completed: true, peer: "10.0.0.8:3", at: 2))
        grader.record(Self.zoo(.wrongHost, completed: true, mqtt: true, peer: "10.0.0.8:4", at: 3))
        grader.record(Self.zoo(.revoked, completed: true, peer: "10.0.0.8:5", at: 4))
        grader.record(Self.zoo(.longChain, completed: false, peer: "10.0.0.8:6", at: 5))
        var status = try #require(grader.status(of: "device-0002"))
        #expect(status.zoo == ZooScore(graded: 5, passed: 3, total: 16, wronglyAccepted: ["expired", "mqtt/wrong-host"]))
        #expect(status.result(.zoo).status == .failed)
        #expect(status.result(.zoo).evidence == "Failed expired, mqtt/wrong-host (last: zoo-long-chain at 08:00:05 UTC).")

        grader.record(Self.event(peer: "10.0.0.9:1", cn: "device-0001"))
        for scenario in [ZooServer.good, .selfSigned, .hugeCertificate] { grader.record(Self.zoo(scenario, peer: "10.0.0.9:2", at: 9)) }
        status = try #require(grader.status(of: "device-0001"))
        #expect(status.zoo == ZooScore(graded: 3, passed: 3, total: 16, wronglyAccepted: []))
        #expect(status.result(.zoo).status == .pending)
        #expect(status.result(.zoo).evidence == "3 of 16 zoo servers tried, none failed (last: zoo-huge-certificate at 08:00:09 UTC).")
        #expect(grader.record(Self.zoo(.good, peer: "10.0.0.9:2", at: 12)) == ["device-0001"])
        #expect(grader.status(of: "device-0001")?.result(.zoo) == ExerciseResult(
            status: .pending, evidence: "3 of 16 zoo servers tried, none failed (last: zoo-good at 08:00:12 UTC).", time: Self.start.addingTimeInterval(12)),
            "a zoo server tried again moves the evidence on")

        #expect(grader.record(Self.event(peer: "10.0.0.9:3", cn: "carol")) == ["device-0001", "carol"])
        status = try #require(grader.status(of: "device-0001"))
        #expect(status.zoo == nil && status.result(.zoo) == .pending, "10.0.0.9 is shared now: its zoo events are nobody's")
        #expect(grader.status(of: "carol")?.zoo == nil)
    }

    @Test("zoo: events that present the attendee's certificate count even from a shared host")
    func zooWithCertificate() throws {
        var grader = WorkshopGrader(identities: ["device-0001", "device-0002"])
        grader.record(Self.event(peer: "127.0.0.1:1", cn: "device-0001"))
        grader.record(Self.event(peer: "127.0.0.1:2", cn: "device-0002"))
        var good = Self.zoo(.good, peer: "127.0.0.1:3")
        good.client = Self.certificate("device-0002")
        #expect(grader.record(good) == ["device-0002"])
        #expect(grader.record(Self.zoo(.expired, completed: true, peer: "127.0.0.1:4")) == [])
        #expect(grader.status(of: "device-0002")?.zoo == ZooScore(graded: 1, passed: 1, total: 16, wronglyAccepted: []))
        #expect(grader.status(of: "device-0001")?.zoo == nil)
    }

    @Test("every exercise has its words; the teacher's set-up names the real commands; statuses survive JSON")
    func words() throws {
        #expect(WorkshopExercise.allCases.map(\.rawValue) == ["first-connection", "policy-denial", "zoo", "wrong-ca-bundle", "expiry", "revocation"])
        for exercise in WorkshopExercise.allCases {
            #expect(!exercise.title.isEmpty && exercise.title.count <= 14 && !exercise.task.isEmpty && !exercise.passWhen.isEmpty)
        }
        #expect(WorkshopExercise.expiry.setup?.contains("pkilab up --console --lab-clock-offset +3y") == true)
        #expect(WorkshopExercise.revocation.setup?.contains("pkilab revoke NAME") == true)
        #expect(WorkshopExercise.zoo.setup?.contains("--zoo") == true && WorkshopExercise.firstConnection.setup == nil)
        var grader = WorkshopGrader(identities: ["device-0001"])
        grader.record(Self.zoo(.expired, completed: true, peer: "10.0.0.1:1"))
        grader.record(Self.event(peer: "10.0.0.1:2", cn: "device-0001"))
        let status = try #require(grader.status(of: "device-0001"))
        let decoded = try JSONDecoder().decode(AttendeeStatus.self, from: JSONEncoder().encode(status))
        #expect(decoded == status && decoded.result(.zoo).status == .failed)
    }
}
