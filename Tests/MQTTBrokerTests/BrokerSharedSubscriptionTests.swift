import MQTTBroker
import MQTTCodec
import NIOCore
import Testing

@Suite("Broker: shared subscriptions ($share/<ShareName>/<filter>) in both behaviours")
struct BrokerSharedSubscriptionTests {
    /// Two members of group `g` on `jobs/#` (device-001 and device-002 on `listener`), and a publisher; packets so far taken.
    static func group(_ listener: BrokerConfiguration, version: ProtocolVersion = .v5, seed: UInt64 = 1)
        -> (broker: BrokerHarness, first: ConnectionID, second: ConnectionID, publisher: ConnectionID) {
        var broker = BrokerHarness()
        broker.core.seedSharedSubscriptionChoice(seed)
        let first = broker.connect("device-001", identity: "device-001", version: version, listener: listener)
        let second = broker.connect("device-002", identity: "device-002", version: version, listener: listener)
        broker.subscribe(first, ["$share/g/jobs/#"])
        broker.subscribe(second, ["$share/g/jobs/#"])
        let publisher = broker.connect("device-003", identity: "device-003", listener: listener)
        for id in [first, second, publisher] { _ = broker.take(id) }
        return (broker, first, second, publisher)
    }

    @Test("MQTT 5 CONNACK says Shared Subscription Available 1 in both behaviours", arguments: [BrokerHarness.mosquitto, BrokerHarness.aws])
    func connAckAdvertises(listener: BrokerConfiguration) throws {
        var broker = BrokerHarness()
        let id = broker.connect("device-001", version: .v5, listener: listener)
        guard case .connAck(let ack) = try #require(broker.take(id).first) else { Issue.record("no CONNACK"); return }
        #expect(ack.properties.elements.contains(.sharedSubscriptionAvailable(true)))
    }

    @Test("mosquitto: each message goes to exactly one member, in turn (round-robin, as Mosquitto 2)")
    func roundRobin() {
        var (broker, first, second, publisher) = Self.group(BrokerHarness.mosquitto)
        #expect(broker.core.statistics.subscriptions == 2)
        for index in 1...6 { broker.publish(publisher, "jobs/\(index)", "\(index)") }
        #expect(broker.messages(first).map(\.text) == ["1", "3", "5"])
        #expect(broker.messages(second).map(\.text) == ["2", "4", "6"])
    }

    @Test("aws: each message goes to exactly one member, picked at random (seeded here), and both get some", arguments: [UInt64(1), 7, 42])
    func randomMember(seed: UInt64) {
        var (broker, first, second, publisher) = Self.group(BrokerHarness.aws, seed: seed)
        for index in 1...40 { broker.publish(publisher, "jobs/\(index)", "\(index)", qos: .atLeastOnce, packetID: UInt16(index)) }
        let one = broker.messages(first).map(\.text)
        let two = broker.messages(second).map(\.text)
        #expect(one.count + two.count == 40)
        #expect(Set(one).isDisjoint(with: two) && Set(one + two) == Set((1...40).map(String.init)))
        #expect(!one.isEmpty && !two.isEmpty, "40 coin tosses all one way: the choice is not random")
        // The same seed gives the same choices.
        var (again, firstAgain, _, publisherAgain) = Self.group(BrokerHarness.aws, seed: seed)
        for index in 1...40 { again.publish(publisherAgain, "jobs/\(index)", "\(index)", qos: .atLeastOnce, packetID: UInt16(index)) }
        #expect(again.messages(firstAgain).map(\.text) == one)
    }

    @Test("MQTT 3.1.1 clients may share a subscription too (Mosquitto 2 and AWS IoT accept it)", arguments: [BrokerHarness.mosquitto, BrokerHarness.aws])
    func fromV311(listener: BrokerConfiguration) {
        var (broker, first, second, publisher) = Self.group(listener, version: .v311)
        for index in 1...4 { broker.publish(publisher, "jobs/x", "\(index)") }
        #expect(broker.messages(first).count + broker.messages(second).count == 4)
    }

    @Test("A shared and a non-shared subscription each get their copy; two groups each get one")
    func groupsAndPlainSubscribers() {
        var (broker, first, second, publisher) = Self.group(BrokerHarness.mosquitto)
        let plain = broker.connect("watcher", identity: "watcher")
        broker.subscribe(plain, ["jobs/+"])
        let other = broker.connect("other", identity: "other")
        broker.subscribe(other, ["$share/h/jobs/#"])
        _ = broker.take(plain)
        _ = broker.take(other)
        broker.publish(publisher, "jobs/a", "a", qos: .atLeastOnce)
        #expect(broker.messages(first).count + broker.messages(second).count == 1)
        #expect(broker.messages(plain).map(\.text) == ["a"])
        #expect(broker.messages(other).map(\.text) == ["a"])
        // PUBACK counts the deliveries: not "no matching subscribers".
        #expect(broker.take(publisher).contains(.pubAck(PubAck(packetIdentifier: 1))))
    }

    @Test("UNSUBSCRIBE $share/… leaves the group; the rest of the group gets everything")
    func unsubscribe() {
        var (broker, first, second, publisher) = Self.group(BrokerHarness.mosquitto)
        broker.send(first, .unsubscribe(Unsubscribe(packetIdentifier: 2, topicFilters: ["$share/g/jobs/#"])))
        #expect(broker.take(first).last == .unsubAck(UnsubAck(packetIdentifier: 2, reasonCodes: [.success])))
        for index in 1...3 { broker.publish(publisher, "jobs/x", "\(index)") }
        #expect(broker.messages(first).isEmpty)
        #expect(broker.messages(second).map(\.text) == ["1", "2", "3"])
        broker.send(second, .unsubscribe(Unsubscribe(packetIdentifier: 3, topicFilters: ["$share/g/jobs/#"])))
        broker.publish(publisher, "jobs/x", "none", qos: .atLeastOnce, packetID: 9)
        #expect(broker.messages(second).isEmpty)
        #expect(broker.core.statistics.subscriptions == 0)
    }

    @Test("Online members are preferred; with none online, a persistent member gets QoS 1 queued for its return")
    func offlineMembers() {
        var broker = BrokerHarness()
        let away = broker.connect("away", identity: "away", version: .v5, clean: false, properties: [.sessionExpiryInterval(600)])
        let here = broker.connect("here", identity: "here", version: .v5)
        broker.subscribe(away, ["$share/g/jobs/#"])
        broker.subscribe(here, ["$share/g/jobs/#"])
        let publisher = broker.connect("publisher", identity: "publisher")
        broker.drop(away)
        _ = broker.take(here)
        for index in 1...3 { broker.publish(publisher, "jobs/x", "\(index)", qos: .atLeastOnce, packetID: UInt16(index)) }
        #expect(broker.messages(here).map(\.text) == ["1", "2", "3"])
        broker.drop(here)
        broker.publish(publisher, "jobs/x", "queued", qos: .atLeastOnce, packetID: 4)
        broker.publish(publisher, "jobs/x", "lost at QoS 0")
        let back = broker.connect("away", identity: "away", version: .v5, clean: false, properties: [.sessionExpiryInterval(600)])
        #expect(broker.messages(back).map(\.text) == ["queued"])
    }

    @Test("Retained messages are not sent on a new shared subscription (§3.3.1.3: only a new non-shared one)")
    func noRetainedOnSubscribe() {
        var broker = BrokerHarness()
        let publisher = broker.connect("publisher")
        broker.publish(publisher, "jobs/kept", "retained", retain: true)
        let member = broker.connect("member", version: .v5)
        broker.subscribe(member, ["$share/g/jobs/#"])
        #expect(broker.messages(member).isEmpty)
        let plain = broker.connect("plain", version: .v5)
        broker.subscribe(plain, ["jobs/#"])
        #expect(broker.messages(plain).map(\.text) == ["retained"], "a non-shared subscription still gets it")
        broker.publish(publisher, "jobs/kept", "live", retain: true)
        #expect(broker.messages(member).map(\.text) == ["live"], "a live retained publish is delivered as any message")
    }

    @Test("mosquitto: an invalid ShareName is refused in SUBACK (0x8F / 0x80), quoting [MQTT-4.8.2-1/2]", arguments: [
        ("$share//jobs", "[MQTT-4.8.2-1]"), ("$share/+/jobs", "[MQTT-4.8.2-2]"), ("$share/g", "[MQTT-4.8.2-2]"), ("$share/g/", "[MQTT-4.8.2-2]"),
    ])
    func invalidShareName(filter: String, rule: String) throws {
        var broker = BrokerHarness()
        let v5 = broker.connect("v5", version: .v5)
        broker.subscribe(v5, [filter, "ok"])
        #expect(broker.take(v5).last == .subAck(SubAck(packetIdentifier: 1, reasonCodes: [.topicFilterInvalid, .grantedQoS1])))
        let v3 = broker.connect("v3")
        broker.subscribe(v3, [filter])
        #expect(broker.take(v3).last == .subAck(SubAck(packetIdentifier: 1, reasonCodes: [.unspecifiedError])))
        let event = try #require(broker.events(.invalidTopicFilter).first)
        #expect(event.explanation.contains(rule), "\(event.explanation)")
        #expect(!broker.closed.contains(v5) && !broker.closed.contains(v3))
    }

    @Test("aws: an invalid shared subscription closes the connection without SUBACK")
    func awsInvalidShareName() throws {
        var broker = BrokerHarness()
        let id = broker.connect("device-001", version: .v5, listener: BrokerHarness.aws)
        _ = broker.take(id)
        broker.subscribe(id, ["$share/+/jobs"])
        #expect(broker.closed.contains(id) && broker.take(id).isEmpty)
        #expect(try #require(broker.events(.invalidTopicFilter).first).closedConnection)
    }

    @Test("No Local on a shared subscription is a Protocol Error [MQTT-3.8.3-4]: DISCONNECT 0x82", arguments: [BrokerHarness.mosquitto, BrokerHarness.aws])
    func noLocal(listener: BrokerConfiguration) throws {
        var broker = BrokerHarness()
        let id = broker.connect("device-001", version: .v5, listener: listener)
        _ = broker.take(id)
        broker.send(id, .subscribe(Subscribe(packetIdentifier: 1, subscriptions: [Subscription(topicFilter: "$share/g/jobs", qos: .atLeastOnce, noLocal: true)])))
        guard case .disconnect(let disconnect) = try #require(broker.take(id).last) else { Issue.record("no DISCONNECT"); return }
        #expect(disconnect.reasonCode == .protocolError)
        let event = try #require(broker.events(.protocolViolation).first)
        #expect(event.explanation.contains("[MQTT-3.8.3-4]") && event.closedConnection)
    }

    static let devicePolicy = BrokerPolicy(rules: [
        PolicyRule(effect: .allow, actions: [.publish, .subscribe], topics: ["devices/${cn}/#"]),
        PolicyRule(effect: .allow, actions: [.subscribe], topics: ["$share/+/devices/${cn}/#"]),
    ])

    @Test("mosquitto: the policy judges the filter after $share/<ShareName>/ (as Mosquitto's ACL file judges the topics delivered)")
    func mosquittoPolicy() {
        var broker = BrokerHarness(policy: BrokerPolicy(rules: [PolicyRule(effect: .allow, actions: [.publish, .subscribe], topics: ["devices/${cn}/#"])]))
        let id = broker.connect("device-001", version: .v5)
        broker.subscribe(id, ["$share/g/devices/device-001/#", "$share/g/devices/device-002/#"])
        #expect(broker.take(id).last == .subAck(SubAck(packetIdentifier: 1, reasonCodes: [.grantedQoS1, .notAuthorized])))
        #expect(broker.events(.subscribeDenied).first?.topic == "$share/g/devices/device-002/#")
    }

    @Test("aws: the policy judges the whole filter, as iot:Subscribe on topicfilter/$share/<ShareName>/<filter>")
    func awsPolicy() throws {
        var broker = BrokerHarness(policy: Self.devicePolicy)
        let allowed = broker.connect("device-001", listener: BrokerHarness.aws)
        broker.subscribe(allowed, ["$share/g/devices/device-001/#"])
        #expect(broker.take(allowed).last == .subAck(SubAck(packetIdentifier: 1, reasonCodes: [.grantedQoS1])))
        // A policy that allows the filter but not its $share/ form: closed, and the event says what to allow.
        var strict = BrokerHarness(policy: BrokerPolicy(rules: [PolicyRule(effect: .allow, actions: [.subscribe], topics: ["devices/${cn}/#"])]))
        let refused = strict.connect("device-001", listener: BrokerHarness.aws)
        strict.subscribe(refused, ["$share/g/devices/device-001/#"])
        #expect(strict.closed.contains(refused))
        let event = try #require(strict.events(.subscribeDenied).first)
        #expect(event.explanation.contains("topicfilter/$share/g/devices/device-001/#"), "\(event.explanation)")
        #expect(event.hint?.contains("$share/+/devices/device-001/#") == true, "\(event.hint ?? "")")
    }

    @Test("Delivery is checked per message: a member that may not read the topic is passed over")
    func receivePermission() {
        var broker = BrokerHarness(policy: BrokerPolicy(rules: [
            PolicyRule(effect: .allow, actions: [.publish, .subscribe], topics: ["#"]),
            PolicyRule(effect: .deny, actions: [.subscribe], topics: ["jobs/secret"], identities: ["device-001"]),
        ]))
        let first = broker.connect("device-001", identity: "device-001")
        let second = broker.connect("device-002", identity: "device-002")
        broker.subscribe(first, ["$share/g/jobs/+"])
        broker.subscribe(second, ["$share/g/jobs/+"])
        let publisher = broker.connect("device-003", identity: "device-003")
        _ = broker.take(first)
        _ = broker.take(second)
        for index in 1...3 { broker.publish(publisher, "jobs/secret", "\(index)") }
        #expect(broker.messages(first).isEmpty)
        #expect(broker.messages(second).map(\.text) == ["1", "2", "3"])
    }

    @Test("aws: the 7-slash limit does not count $share/<ShareName>/; mosquitto has no such limit")
    func awsSlashes() {
        var broker = BrokerHarness()
        let id = broker.connect("device-001", listener: BrokerHarness.aws)
        broker.subscribe(id, ["$share/g/a/b/c/d/e/f/g/h"])  // 7 slashes after the prefix, 9 in all
        #expect(broker.take(id).last == .subAck(SubAck(packetIdentifier: 1, reasonCodes: [.grantedQoS1])))
        broker.subscribe(id, ["$share/g/a/b/c/d/e/f/g/h/i"], packetID: 2)  // 8 after the prefix
        #expect(broker.closed.contains(id))
        #expect(broker.events(.topicLimit).first?.explanation.contains("after $share/g/, which does not count") == true)
    }

    @Test("A persistent member keeps its membership across reconnection; its session's end removes it")
    func sessionEnd() {
        var broker = BrokerHarness()
        let member = broker.connect("member", clean: false)
        broker.subscribe(member, ["$share/g/jobs"])
        broker.drop(member)
        let back = broker.connect("member", clean: false)
        let publisher = broker.connect("publisher")
        broker.publish(publisher, "jobs", "again")
        #expect(broker.messages(back).map(\.text) == ["again"])
        broker.connect("member", clean: true)  // Clean Start ends the session and its membership
        #expect(broker.core.statistics.subscriptions == 0)
    }
}
