import MQTTBroker
import MQTTCodec
import NIOCore
import Testing

@Suite("Broker: connect, publish and subscribe")
struct BrokerDeliveryTests {
    @Test("CONNECT is answered with CONNACK 0 and an event naming the identity")
    func connect() {
        var broker = BrokerHarness()
        let id = broker.connect("device-001")
        #expect(broker.take(id) == [.connAck(ConnAck(sessionPresent: false, reasonCode: .success))])
        let event = try! #require(broker.events(.connected).first)
        #expect(event.identity == "device-001")
        #expect(event.explanation.contains("device-001 connected as client id \"device-001\" (MQTT 3.1.1, keep-alive 60 s, clean session)"))
    }

    @Test("MQTT 5 CONNACK states the broker's limits and assigns a client id when none was given")
    func connAckProperties() throws {
        var broker = BrokerHarness()
        let id = broker.connect("", version: .v5)
        guard case .connAck(let ack) = try #require(broker.take(id).first) else { Issue.record("no CONNACK"); return }
        #expect(ack.reasonCode == .success)
        let assigned = ack.properties.elements.compactMap { if case .assignedClientIdentifier(let id) = $0 { return id } else { return nil } }
        #expect(assigned.count == 1 && assigned[0].hasPrefix("auto-") && assigned[0].count == 41)
        #expect(ack.properties.elements.contains(.receiveMaximum(100)))
        #expect(ack.properties.elements.contains(.sharedSubscriptionAvailable(true)))
        #expect(ack.properties.elements.contains(.subscriptionIdentifierAvailable(true)))
    }

    @Test("QoS 0, 1 and 2 reach a subscriber at the lower of the two QoS, with the acknowledgements of each")
    func qosLevels() throws {
        var broker = BrokerHarness()
        let sub = broker.connect("sub")
        broker.subscribe(sub, ["t/#"], qos: .exactlyOnce)
        #expect(broker.take(sub).last == .subAck(SubAck(packetIdentifier: 1, reasonCodes: [.grantedQoS2])))
        let pub = broker.connect("pub")
        _ = broker.take(pub)

        broker.publish(pub, "t/0", "zero")
        #expect(broker.take(pub).isEmpty)
        broker.publish(pub, "t/1", "one", qos: .atLeastOnce, packetID: 7)
        #expect(broker.take(pub) == [.pubAck(PubAck(packetIdentifier: 7))])
        broker.publish(pub, "t/2", "two", qos: .exactlyOnce, packetID: 8)
        #expect(broker.take(pub) == [.pubRec(PubRec(packetIdentifier: 8))])
        // The same QoS 2 packet again (a retry before PUBREL) is not delivered twice.
        broker.publish(pub, "t/2", "two", qos: .exactlyOnce, packetID: 8)
        #expect(broker.take(pub) == [.pubRec(PubRec(packetIdentifier: 8))])
        broker.send(pub, .pubRel(PubRel(packetIdentifier: 8)))
        #expect(broker.take(pub) == [.pubComp(PubComp(packetIdentifier: 8))])

        let received = broker.messages(sub)
        #expect(received.map(\.text) == ["zero", "one", "two"])
        #expect(received.map(\.qos) == [.atMostOnce, .atLeastOnce, .exactlyOnce])

        // The subscriber's side of QoS 2: PUBREC → PUBREL → PUBCOMP.
        let two = received[2]
        broker.send(sub, .pubRec(PubRec(packetIdentifier: two.packetIdentifier!)))
        #expect(broker.take(sub) == [.pubRel(PubRel(packetIdentifier: two.packetIdentifier!))])
        broker.send(sub, .pubComp(PubComp(packetIdentifier: two.packetIdentifier!)))
        broker.send(sub, .pubAck(PubAck(packetIdentifier: received[1].packetIdentifier!)))
        #expect(broker.core.statistics.sessions == 2)
    }

    @Test("Wildcards follow the spec: + one level, # the rest and the parent, $ topics only for filters that name them")
    func wildcards() {
        var broker = BrokerHarness()
        let sub = broker.connect("sub")
        broker.subscribe(sub, ["a/+/c", "b/#", "#"], qos: .atMostOnce)
        let sys = broker.connect("sys")
        broker.subscribe(sys, ["$SYS/#"], qos: .atMostOnce)
        _ = broker.take(sub)
        _ = broker.take(sys)
        let pub = broker.connect("pub")
        for topic in ["a/x/c", "a/x/y/c", "b", "b/1/2", "$SYS/load"] { broker.publish(pub, topic, topic) }
        // "#" matches everything but $SYS/load; each message arrives once even when several filters match.
        #expect(broker.messages(sub).map(\.text) == ["a/x/c", "a/x/y/c", "b", "b/1/2"])
        #expect(broker.messages(sys).map(\.text) == ["$SYS/load"])
    }

    @Test("Invalid filters are refused per filter: SUBACK 0x80 in 3.1.1, 0x8F in 5.0; a listener without shared subscriptions answers 0x9E")
    func invalidFilters() throws {
        var broker = BrokerHarness()
        let v3 = broker.connect("v3")
        broker.subscribe(v3, ["a/#/b", "ok/+", "x+"])
        #expect(broker.take(v3).last == .subAck(SubAck(packetIdentifier: 1, reasonCodes: [.unspecifiedError, .grantedQoS1, .unspecifiedError])))
        var limits = BrokerLimits.defaults(for: .mosquitto)
        limits.sharedSubscriptionsAvailable = false
        let v5 = broker.connect("v5", version: .v5, listener: BrokerConfiguration(limits: limits))
        guard case .connAck(let ack) = try #require(broker.take(v5).first) else { Issue.record("no CONNACK"); return }
        #expect(ack.properties.elements.contains(.sharedSubscriptionAvailable(false)))
        broker.subscribe(v5, ["a/#/b", "$share/g/t"])
        #expect(broker.take(v5).last == .subAck(SubAck(packetIdentifier: 1, reasonCodes: [.topicFilterInvalid, .sharedSubscriptionsNotSupported])))
        #expect(broker.events(.invalidTopicFilter).count == 3)
        #expect(broker.events(.sharedSubscriptionUnsupported).count == 1)
        #expect(!broker.closed.contains(v3) && !broker.closed.contains(v5))
    }

    @Test("Retained messages: set, replaced, cleared by an empty payload, sent on subscribe with the retain flag")
    func retained() {
        var broker = BrokerHarness()
        let pub = broker.connect("pub")
        broker.publish(pub, "r/1", "first", retain: true)
        broker.publish(pub, "r/1", "second", retain: true)
        broker.publish(pub, "r/2", "other", retain: true)
        broker.publish(pub, "r/2", "", retain: true)
        let sub = broker.connect("sub")
        broker.subscribe(sub, ["r/#"])
        let received = broker.messages(sub)
        #expect(received.map(\.text) == ["second"])
        #expect(received.first?.retain == true)
        // A live message to a subscriber is not flagged retained (3.1.1 §3.3.1.3), even if published with retain.
        broker.publish(pub, "r/1", "third", retain: true)
        #expect(broker.messages(sub).map(\.retain) == [false])
        // v5 Retain Handling 2: no retained messages on subscribe.
        let v5 = broker.connect("v5", version: .v5)
        broker.send(v5, .subscribe(Subscribe(packetIdentifier: 2, subscriptions: [Subscription(topicFilter: "r/#", qos: .atMostOnce, retainHandling: .doNotSend)])))
        #expect(broker.messages(v5).isEmpty)
    }

    @Test("Messages reach each subscriber in publish order, also through a full in-flight window")
    func order() {
        var broker = BrokerHarness()
        let sub = broker.connect("sub", version: .v5, properties: [.receiveMaximum(3)])
        broker.subscribe(sub, ["o"])
        _ = broker.take(sub)
        let pub = broker.connect("pub")
        for index in 1...50 { broker.publish(pub, "o", "\(index)", qos: .atLeastOnce, packetID: UInt16(index)) }
        var received: [String] = []
        var batch = broker.messages(sub)
        #expect(batch.count == 3, "the client's Receive Maximum of 3 is respected")
        while !batch.isEmpty {
            received += batch.map(\.text)
            for message in batch { broker.send(sub, .pubAck(PubAck(packetIdentifier: message.packetIdentifier!))) }
            batch = broker.messages(sub)
        }
        #expect(received == (1...50).map(String.init))
    }

    @Test("MQTT 5 topic aliases: set with a topic, used with an empty one; an unknown alias is a protocol error 0x94")
    func topicAliases() throws {
        var broker = BrokerHarness()
        let sub = broker.connect("sub")
        broker.subscribe(sub, ["alias/#"], qos: .atMostOnce)
        _ = broker.take(sub)
        let pub = broker.connect("pub", version: .v5)
        broker.publish(pub, "alias/long/topic", "set", properties: [.topicAlias(1)])
        broker.publish(pub, "", "used", properties: [.topicAlias(1)])
        #expect(broker.messages(sub).map { "\($0.topic)=\($0.text)" } == ["alias/long/topic=set", "alias/long/topic=used"])
        broker.publish(pub, "", "unknown", properties: [.topicAlias(2)])
        #expect(broker.closed.contains(pub))
        guard case .disconnect(let disconnect) = try #require(broker.take(pub).last) else { Issue.record("no DISCONNECT"); return }
        #expect(disconnect.reasonCode == .topicAliasInvalid)
        #expect(broker.events(.topicAliasInvalid).count == 1)
    }

    @Test("No Local keeps a v5 client's own messages from it; user properties pass through")
    func noLocalAndUserProperties() {
        var broker = BrokerHarness()
        let both = broker.connect("both", version: .v5)
        broker.send(both, .subscribe(Subscribe(packetIdentifier: 1, subscriptions: [Subscription(topicFilter: "n", qos: .atMostOnce, noLocal: true)])))
        let other = broker.connect("other", version: .v5)
        broker.subscribe(other, ["n"], qos: .atMostOnce)
        _ = broker.take(both)
        _ = broker.take(other)
        broker.publish(both, "n", "mine", properties: [.userProperty(name: "k", value: "v")])
        #expect(broker.messages(both).isEmpty)
        let received = broker.messages(other)
        #expect(received.first?.properties.userProperties.first?.value == "v")
    }

    @Test("A packet a client must not send, or a second CONNECT, closes the connection with a protocol_violation event")
    func protocolViolations() {
        var broker = BrokerHarness()
        let id = broker.connect("a", version: .v5)
        _ = broker.take(id)
        broker.send(id, .connect(Connect(protocolVersion: .v5, clientIdentifier: "a")))
        #expect(broker.closed.contains(id))
        #expect(broker.take(id).first == .disconnect(Disconnect(reasonCode: .protocolError, properties: [.reasonString("[MQTT-3.1.0-2] a second CONNECT on the same connection")])))
        let event = broker.events(.protocolViolation).first
        #expect(event?.closedConnection == true)
        #expect(event?.explanation.contains("second CONNECT") == true)
    }

    @Test("A decoder error is reported with the spec's words and closes only that connection")
    func malformed() {
        var broker = BrokerHarness()
        let bad = broker.connect("bad")
        let good = broker.connect("good")
        broker.subscribe(good, ["x"], qos: .atMostOnce)
        broker.apply(broker.core.malformed(MQTTCodecError(.invalidFlags, "[MQTT-2.2.2-2] SUBSCRIBE flags are 0000, must be 0010"), from: bad, now: broker.now))
        #expect(broker.closed == [bad])
        #expect(broker.events(.malformedPacket).first?.explanation.contains("MQTT-2.2.2-2") == true)
        let pub = broker.connect("pub")
        broker.publish(pub, "x", "still here")
        #expect(broker.messages(good).map(\.text) == ["still here"])
    }

    @Test("An unsupported protocol level gets CONNACK 0x01 before the close")
    func unsupportedVersion() {
        var broker = BrokerHarness()
        let id = ConnectionID(99)
        broker.core.open(id, listener: BrokerHarness.mosquitto, identity: nil, peer: "p")
        broker.apply(broker.core.malformed(MQTTCodecError(.unsupportedProtocolVersion, "[MQTT-3.1.2-2] protocol level 3"), from: id, now: broker.now))
        #expect(broker.take(id) == [.connAck(ConnAck(reasonCode: .unsupportedProtocolVersion))])
        #expect(broker.closed.contains(id))
    }
}
