import MQTTBroker
import MQTTCodec
import NIOCore
import Testing

/// Every identity boundary of the broker, tried by crossing it: a session is its owner's, and every delivery is
/// checked against the receiver's policy.
@Suite("Broker: sessions belong to their identity; delivery is authorized")
struct BrokerIdentityTests {
    static let policy = BrokerPolicy(rules: [
        PolicyRule(effect: .allow, actions: [.publish, .subscribe], topics: ["devices/${cn}/#"]),
        PolicyRule(effect: .allow, actions: [.subscribe], topics: ["broadcast/#"]),
    ])

    @Test("Another identity with the same client id cannot resume a persistent session, read its queue or push its owner off",
          arguments: [ProtocolVersion.v311, .v5])
    func sessionTakeoverAcrossIdentities(version: ProtocolVersion) throws {
        var broker = BrokerHarness(policy: Self.policy)
        let properties: Properties = version == .v5 ? [.sessionExpiryInterval(3600)] : []
        let owner = broker.connect("device-001", identity: "device-001", version: version, clean: false, properties: properties)
        broker.subscribe(owner, ["devices/device-001/#"])
        broker.drop(owner)
        let publisher = broker.connect("d1pub", identity: "device-001")
        for index in 1...3 { broker.publish(publisher, "devices/device-001/queued", "q\(index)", qos: .atLeastOnce, packetID: UInt16(index)) }

        // device-002 asks for device-001's client id: refused, and nothing of the session reaches it.
        let thief = broker.connect("device-001", identity: "device-002", version: version, clean: false, properties: properties)
        let packets = broker.take(thief)
        let expected: ReasonCode = version == .v5 ? .clientIdentifierNotValid : ReasonCode(ConnectReturnCode.identifierRejected)
        guard case .connAck(let ack) = try #require(packets.first) else { Issue.record("no CONNACK"); return }
        #expect(ack.reasonCode == expected && !ack.sessionPresent)
        #expect(!packets.contains { if case .publish = $0 { true } else { false } })
        #expect(broker.closed.contains(thief))
        let event = try #require(broker.events(.clientIDInUse).first)
        #expect(event.explanation.contains("belongs to the session of device-001 (certificate CN=device-001)"))

        // A clean-session attempt does not destroy it either; the owner still finds all three messages.
        let cleaner = broker.connect("device-001", identity: "device-002", version: version, clean: true)
        #expect(broker.closed.contains(cleaner))
        let back = broker.connect("device-001", identity: "device-001", version: version, clean: false, properties: properties)
        #expect(broker.messages(back).map(\.text) == ["q1", "q2", "q3"])

        // While the owner is connected, the other identity does not disconnect it.
        _ = broker.connect("device-001", identity: "device-002", version: version)
        #expect(!broker.closed.contains(back))
        #expect(broker.events(.sessionTakenOver).isEmpty)
    }

    @Test("A client without a certificate (plain listener) cannot use a certificate identity's session")
    func plainClientCannotResume() throws {
        var broker = BrokerHarness()
        let owner = broker.connect("device-001", identity: "device-001", clean: false)
        broker.subscribe(owner, ["x/#"])
        broker.drop(owner)
        let plain = broker.connect("device-001", identity: nil, clean: false)
        #expect(broker.closed.contains(plain))
        #expect(broker.events(.clientIDInUse).first?.explanation.contains("a client without a certificate at 127.0.0.1") == true)
        // And the other way: a certificate identity cannot take what an anonymous client made.
        let anonymous = broker.connect("shared", identity: nil, clean: false)
        broker.drop(anonymous)
        let certified = broker.connect("shared", identity: "device-002", clean: false)
        #expect(broker.closed.contains(certified))
        #expect(broker.events(.clientIDInUse).last?.explanation.contains("belongs to the session of a client without a certificate") == true)
    }

    @Test("The same identity still takes over its own session (a device reconnecting before the old TCP died)")
    func ownerTakesOver() {
        var broker = BrokerHarness()
        let first = broker.connect("device-001", identity: "device-001", clean: false)
        let second = broker.connect("device-001", identity: "device-001", clean: false)
        #expect(broker.closed.contains(first) && !broker.closed.contains(second))
        #expect(broker.events(.sessionTakenOver).count == 1)
    }

    @Test("Assigned client ids are unguessable auto-UUIDs and never an existing session's id")
    func assignedClientIDs() throws {
        var broker = BrokerHarness()
        var seen: Set<String> = []
        for _ in 0..<50 {
            let id = broker.connect("", version: .v5, clean: false, properties: [.sessionExpiryInterval(60)])
            guard case .connAck(let ack) = try #require(broker.take(id).first) else { Issue.record("no CONNACK"); return }
            let assigned = try #require(ack.properties.elements.lazy.compactMap {
                if case .assignedClientIdentifier(let value) = $0 { return value } else { return nil }
            }.first)
            #expect(assigned.hasPrefix("auto-") && !ack.sessionPresent)
            seen.insert(assigned)
        }
        #expect(seen.count == 50)
        #expect(!seen.contains("pkilab-1"))
    }

    @Test("Every delivery is authorized: live, queued, retained and will messages the receiver may not read are left out")
    func deliveryAuthorization() throws {
        // No policy forbids device-002 from holding a subscription that later matches device-001's topics: a
        // subscription granted under another policy, made before a policy edit.
        var broker = BrokerHarness(policy: BrokerPolicy(rules: [PolicyRule(effect: .allow, actions: [.publish, .subscribe], topics: ["#"])]))
        let retainer = broker.connect("retainer", identity: "device-001")
        broker.publish(retainer, "devices/device-001/state", "retained-secret", retain: true)
        let reader = broker.connect("reader", identity: "device-002", clean: false)
        broker.subscribe(reader, ["devices/#"])
        #expect(broker.messages(reader).map(\.text) == ["retained-secret"])
        broker.drop(reader)

        broker.core.replacePolicy(Self.policy)
        // Live and queued (the reader is offline: the message would wait in its session).
        broker.publish(retainer, "devices/device-001/live", "queued-secret", qos: .atLeastOnce, packetID: 2)
        let again = broker.connect("reader", identity: "device-002", clean: false)
        #expect(broker.messages(again).isEmpty)
        broker.publish(retainer, "devices/device-001/live", "live-secret")
        #expect(broker.messages(again).isEmpty)
        #expect(broker.events(.receiveDenied).count == 1)
        // The new policy holds for publishing on connections made before it, too.
        broker.publish(again, "devices/device-001/spoof", "from 002")
        #expect(broker.events(.publishDenied).count == 1)
        // Its own subtree still arrives through the same wide subscription.
        let own = broker.connect("own", identity: "device-002")
        broker.publish(own, "devices/device-002/x", "mine")
        #expect(broker.messages(again).map(\.text) == ["mine"])
        // A will of device-001 is not delivered to device-002 either.
        let willer = broker.connect("willer", identity: "device-001",
                                    will: Will(topic: "devices/device-001/status", payload: ByteBuffer(string: "gone"), qos: .atMostOnce, retain: false))
        broker.drop(willer)
        #expect(broker.messages(again).isEmpty)
    }

    @Test("subscriptions: filter grants # and leaves out what the policy does not let the client read; refuse (the default) refuses it")
    func wideSubscriptions() {
        var refuse = BrokerHarness(policy: Self.policy)
        let strict = refuse.connect("device-002", identity: "device-002")
        refuse.subscribe(strict, ["#"])
        #expect(refuse.take(strict).last == .subAck(SubAck(packetIdentifier: 1, reasonCodes: [.unspecifiedError])))

        let filtering = BrokerConfiguration(name: "mqtt", behaviour: .mosquitto, subscriptionCheck: .filter)
        var filter = BrokerHarness(policy: Self.policy)
        let publisher = filter.connect("device-001", identity: "device-001")
        filter.publish(publisher, "devices/device-001/state", "retained-secret", retain: true)
        let wide = filter.connect("device-002", identity: "device-002", listener: filtering)
        filter.subscribe(wide, ["#", "elsewhere/#"])
        // The retained message of device-001 is not sent with the SUBACK.
        #expect(filter.take(wide).last == .subAck(SubAck(packetIdentifier: 1, reasonCodes: [.grantedQoS1, .unspecifiedError])))
        filter.publish(publisher, "devices/device-001/secret", "no")
        let broadcaster = filter.connect("ops", identity: "device-002")
        filter.publish(broadcaster, "devices/device-002/mine", "yes")
        #expect(filter.messages(wide).map(\.text) == ["yes"])
    }

    @Test("MQTT 3.1.1 persistent sessions expire after the listener's persistent_session_expiry")
    func persistentExpiry() {
        var limits = BrokerLimits.defaults(for: .mosquitto)
        limits.persistentSessionExpiry = 120
        var broker = BrokerHarness()
        let id = broker.connect("dev", clean: false, listener: BrokerConfiguration(name: "mqtt", limits: limits))
        broker.drop(id)
        broker.advance(seconds: 100)
        #expect(broker.core.statistics.sessions == 1)
        broker.advance(seconds: 30)
        #expect(broker.core.statistics.sessions == 0)
        #expect(BrokerLimits.defaults(for: .mosquitto).persistentSessionExpiry == 86_400)
    }

    @Test("Caps: sessions, subscriptions per session (AWS: 50), retained count and bytes — each refused with its reason")
    func caps() throws {
        var sessions = BrokerHarness(quotas: BrokerQuotas(maximumSessions: 2))
        sessions.connect("a")
        sessions.connect("b")
        let third = sessions.connect("c", version: .v5)
        guard case .connAck(let refusal) = try #require(sessions.take(third).first) else { Issue.record("no CONNACK"); return }
        #expect(refusal.reasonCode == .quotaExceeded)
        #expect(sessions.events(.sessionLimit).first?.hint?.contains("broker.max_sessions") == true)

        var subscriptions = BrokerHarness()
        let aws = subscriptions.connect("device-001", listener: BrokerHarness.aws)
        for index in 0..<6 { subscriptions.subscribe(aws, (0..<8).map { "t/\(index)/\($0)" }, packetID: UInt16(index + 1)) }
        subscriptions.subscribe(aws, ["u/1", "u/2"], packetID: 7)
        #expect(!subscriptions.closed.contains(aws))
        #expect(subscriptions.core.statistics.subscriptions == 50)
        subscriptions.subscribe(aws, ["t/x/1"], packetID: 99)
        #expect(subscriptions.closed.contains(aws))
        #expect(subscriptions.events(.subscriptionLimit).first?.explanation.contains("AWS IoT allows 50 per connection") == true)
        var limits = BrokerLimits.defaults(for: .mosquitto)
        limits.maximumSubscriptions = 2
        let mosquitto = subscriptions.connect("m", version: .v5, listener: BrokerConfiguration(name: "mqtt", limits: limits))
        subscriptions.subscribe(mosquitto, ["a", "b", "c", "a"])
        #expect(subscriptions.take(mosquitto).last == .subAck(SubAck(packetIdentifier: 1, reasonCodes: [.grantedQoS1, .grantedQoS1, .quotaExceeded, .grantedQoS1])))

        var retained = BrokerHarness(quotas: BrokerQuotas(maximumRetainedMessages: 2, maximumRetainedBytes: 30))
        let v5 = retained.connect("r", version: .v5)
        _ = retained.take(v5)
        retained.publish(v5, "r/1", "0123456789", qos: .atLeastOnce, packetID: 1, retain: true)
        retained.publish(v5, "r/2", "0123456789", qos: .atLeastOnce, packetID: 2, retain: true)
        retained.publish(v5, "r/3", "x", qos: .atLeastOnce, packetID: 3, retain: true)
        retained.publish(v5, "r/1", "01234567890123456789", qos: .atLeastOnce, packetID: 4, retain: true)
        retained.publish(v5, "r/1", "short", qos: .atLeastOnce, packetID: 5, retain: true)
        #expect(retained.take(v5) == [.pubAck(PubAck(packetIdentifier: 1, reasonCode: .noMatchingSubscribers)),
                                      .pubAck(PubAck(packetIdentifier: 2, reasonCode: .noMatchingSubscribers)),
                                      .pubAck(PubAck(packetIdentifier: 3, reasonCode: .quotaExceeded)),
                                      .pubAck(PubAck(packetIdentifier: 4, reasonCode: .quotaExceeded)),
                                      .pubAck(PubAck(packetIdentifier: 5, reasonCode: .noMatchingSubscribers))])
        #expect(retained.core.statistics.retained == 2)
        #expect(retained.events(.retainedLimit).map { $0.hint?.contains("max_retained") == true } == [true, true])
    }
}
