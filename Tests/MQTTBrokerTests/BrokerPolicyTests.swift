import MQTTBroker
import MQTTCodec
import NIOCore
import Testing

/// The default lab's policy: each device its own subtree, broadcast/ to listen to.
let devicePolicy = BrokerPolicy(rules: [
    PolicyRule(effect: .allow, actions: [.publish, .subscribe], topics: ["devices/${cn}/#"]),
    PolicyRule(effect: .allow, actions: [.subscribe], topics: ["broadcast/#"]),
])

@Suite("Broker: policy and the aws / mosquitto behaviours")
struct BrokerPolicyTests {
    @Test("Templates, coverage of filters, and deny over allow", arguments: [
        (PolicyRule.Action.publish, "devices/device-001/state", "device-001", true),
        (.publish, "devices/device-002/state", "device-001", false),
        (.publish, "devices/device-001", "device-001", true),
        (.publish, "broadcast/all", "device-001", false),
        (.subscribe, "devices/device-001/#", "device-001", true),
        (.subscribe, "devices/device-001/+/x", "device-001", true),
        (.subscribe, "devices/#", "device-001", false),
        (.subscribe, "devices/+/state", "device-001", false),
        (.subscribe, "broadcast/#", "device-001", true),
        (.subscribe, "#", "device-001", false),
        (.publish, "devices/+evil/x", "+evil", false),
    ])
    func decisions(action: PolicyRule.Action, target: String, identity: String, allowed: Bool) {
        let who = ClientIdentity(name: identity, commonName: identity, subject: "CN=\(identity)")
        #expect(devicePolicy.decide(action, target, identity: who, clientID: identity).allowed == allowed)
    }

    @Test("A deny rule wins, for named identities only, and says where it was written")
    func denyWins() {
        let policy = BrokerPolicy(rules: [
            PolicyRule(effect: .allow, actions: [.publish, .subscribe], topics: ["#"]),
            PolicyRule(effect: .deny, actions: [.publish], topics: ["devices/+/firmware"], identities: ["device-002"], origin: "lab.yaml:40"),
            PolicyRule(effect: .deny, actions: [.subscribe], topics: ["secret/#"]),
        ])
        let one = ClientIdentity(name: "device-001", commonName: "device-001", subject: "")
        let two = ClientIdentity(name: "device-002", commonName: "device-002", subject: "")
        #expect(policy.decide(.publish, "devices/a/firmware", identity: one, clientID: "x").allowed)
        let denied = policy.decide(.publish, "devices/a/firmware", identity: two, clientID: "x")
        #expect(!denied.allowed && denied.reason == "policy denies publish to devices/+/firmware (lab.yaml:40)")
        #expect(!policy.decide(.subscribe, "#", identity: one, clientID: "x").allowed, "# overlaps secret/#")
        #expect(!policy.decide(.subscribe, "secret", identity: one, clientID: "x").allowed, "secret/# also matches secret")
        #expect(policy.decide(.subscribe, "public/#", identity: one, clientID: "x").allowed)
    }

    @Test("mosquitto: a denied publish is dropped (3.1.1 PUBACK 0, 5.0 PUBACK 0x87) and explained")
    func mosquittoPublishDenied() throws {
        var broker = BrokerHarness(policy: devicePolicy)
        let victim = broker.connect("device-001", identity: "device-001")
        broker.subscribe(victim, ["devices/device-001/#"])
        _ = broker.take(victim)
        let intruder = broker.connect("device-002", identity: "device-002")
        _ = broker.take(intruder)
        broker.publish(intruder, "devices/device-001/state", "spoof", qos: .atLeastOnce, packetID: 3)
        #expect(broker.take(intruder) == [.pubAck(PubAck(packetIdentifier: 3, reasonCode: .success))])
        #expect(broker.messages(victim).isEmpty)
        let event = try #require(broker.events(.publishDenied).first)
        #expect(event.explanation.hasPrefix("device-002 tried to publish to devices/device-001/state; policy allows devices/device-002/#"))
        #expect(!broker.closed.contains(intruder))

        let v5 = broker.connect("v5", identity: "device-002", version: .v5)
        _ = broker.take(v5)
        broker.publish(v5, "devices/device-001/state", "spoof", qos: .atLeastOnce, packetID: 4)
        #expect(broker.take(v5) == [.pubAck(PubAck(packetIdentifier: 4, reasonCode: .notAuthorized))])
    }

    @Test("mosquitto: a denied subscription gets SUBACK 0x80 (3.1.1) or 0x87 (5.0); allowed filters in the same SUBSCRIBE are granted")
    func mosquittoSubscribeDenied() {
        var broker = BrokerHarness(policy: devicePolicy)
        let v3 = broker.connect("device-002", identity: "device-002")
        broker.subscribe(v3, ["devices/device-001/#", "devices/device-002/#"])
        #expect(broker.take(v3).last == .subAck(SubAck(packetIdentifier: 1, reasonCodes: [.unspecifiedError, .grantedQoS1])))
        let v5 = broker.connect("v5", identity: "device-002", version: .v5)
        broker.subscribe(v5, ["devices/#"])
        #expect(broker.take(v5).last == .subAck(SubAck(packetIdentifier: 1, reasonCodes: [.notAuthorized])))
        #expect(broker.events(.subscribeDenied).count == 2)
    }

    @Test("mosquitto: a will on a forbidden topic refuses the CONNECT (0x05)")
    func willDenied() {
        var broker = BrokerHarness(policy: devicePolicy)
        let id = broker.connect("device-002", identity: "device-002",
                                will: Will(topic: "devices/device-001/status", payload: ByteBuffer(), qos: .atMostOnce, retain: false))
        #expect(broker.take(id) == [.connAck(ConnAck(reasonCode: .notAuthorized))])
        #expect(broker.events(.willDenied).first?.sentCode == 0x05)
    }

    @Test("aws: the client id must be the thing name; a mismatch is closed without CONNACK")
    func awsClientID() throws {
        var broker = BrokerHarness(policy: devicePolicy)
        let id = broker.connect("device-001", identity: "device-002", listener: BrokerHarness.aws)
        #expect(broker.take(id).isEmpty)
        #expect(broker.closed.contains(id))
        let event = try #require(broker.events(.clientIDMismatch).first)
        #expect(event.explanation.contains("AWS IoT requires the client id to be the thing name \"device-002\""))
        #expect(event.sentCode == nil)
    }

    @Test("aws: unauthorised PUBLISH, SUBSCRIBE, QoS 2 and more than 8 filters close the connection with no reply",
          arguments: ["publish", "subscribe", "qos2", "filters", "payload"])
    func awsSilentClose(kind: String) throws {
        var broker = BrokerHarness(policy: devicePolicy)
        let id = broker.connect("device-002", identity: "device-002", listener: BrokerHarness.aws)
        #expect(broker.take(id).count == 1)
        let expected: BrokerEvent.Reason
        switch kind {
        case "publish":
            broker.publish(id, "devices/device-001/state", "x", qos: .atLeastOnce)
            expected = .publishDenied
        case "subscribe":
            broker.subscribe(id, ["devices/device-001/#"])
            expected = .subscribeDenied
        case "qos2":
            broker.publish(id, "devices/device-002/state", "x", qos: .exactlyOnce)
            expected = .qosNotSupported
        case "filters":
            broker.subscribe(id, (1...9).map { "devices/device-002/\($0)" })
            expected = .tooManyFilters
        default:
            broker.publish(id, "devices/device-002/big", String(repeating: "x", count: 128 * 1024 + 1))
            expected = .payloadTooLarge
        }
        #expect(broker.take(id).isEmpty, "AWS IoT sends nothing back")
        #expect(broker.closed.contains(id))
        let event = try #require(broker.events(expected).first)
        #expect(event.closedConnection && event.explanation.contains("as AWS IoT does"))
    }

    @Test("aws: keep-alive is clamped to 30–1200 s (0 becomes 1200) and MQTT 5 hears the value; QoS ≤ 1 is advertised")
    func awsKeepAlive() throws {
        var broker = BrokerHarness()
        let short = broker.connect("device-001", version: .v5, keepAlive: 5, listener: BrokerHarness.aws)
        #expect(broker.core.keepAliveTimeout(short) == .milliseconds(45_000))
        guard case .connAck(let ack) = try #require(broker.take(short).first) else { Issue.record("no CONNACK"); return }
        #expect(ack.properties.elements.contains(.serverKeepAlive(30)))
        #expect(ack.properties.elements.contains(.maximumQoS(.atLeastOnce)))
        let zero = broker.connect("device-002", identity: "device-002", keepAlive: 0, listener: BrokerHarness.aws)
        #expect(broker.core.keepAliveTimeout(zero) == .milliseconds(1_800_000))
    }

    @Test("aws: a duplicate client id kicks the older connection")
    func awsDuplicate() {
        var broker = BrokerHarness()
        let old = broker.connect("device-001", listener: BrokerHarness.aws)
        broker.advance(seconds: 1)  // AWS IoT takes one CONNECT per second per client id
        let new = broker.connect("device-001", listener: BrokerHarness.aws)
        #expect(broker.closed.contains(old) && !broker.closed.contains(new))
    }

    @Test("A client id with / does not reach into another device's subtree through ${client_id}")
    func slashInTemplateValue() {
        let policy = BrokerPolicy(rules: [PolicyRule(effect: .allow, actions: [.publish], topics: ["devices/${client_id}/#"])])
        #expect(policy.decide(.publish, "devices/device-001/x/cmd", identity: nil, clientID: "device-001/x").allowed == false)
        #expect(policy.decide(.publish, "devices/device-001/cmd", identity: nil, clientID: "device-001").allowed)
    }

    @Test("aws: a SUBSCRIBE refused for one filter leaves none of its filters in the session")
    func awsSubscribeAllOrNothing() {
        var broker = BrokerHarness(policy: devicePolicy)
        let id = broker.connect("device-002", identity: "device-002", clean: false, listener: BrokerHarness.aws)
        broker.subscribe(id, ["devices/device-002/#", "devices/device-001/#"])
        #expect(broker.closed.contains(id))
        #expect(broker.core.statistics.subscriptions == 0)
    }
}
