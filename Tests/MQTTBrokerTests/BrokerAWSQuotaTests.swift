import MQTTBroker
import MQTTCodec
import NIOCore
import Testing

@Suite("Broker: AWS IoT Core's quotas and refusals under the aws behaviour, and their absence under mosquitto")
struct BrokerAWSQuotaTests {
    static func connAck(_ packets: [MQTTPacket]) -> ConnAck? {
        packets.lazy.compactMap { if case .connAck(let ack) = $0 { return ack } else { return nil } }.first
    }

    @Test("aws: a second CONNECT of one client id within a second is throttled: closed without CONNACK, THROTTLED named")
    func connectThrottle() throws {
        var broker = BrokerHarness()
        let first = broker.connect("device-001", listener: BrokerHarness.aws)
        broker.now = broker.now + .milliseconds(400)
        let second = broker.connect("device-001", listener: BrokerHarness.aws)
        #expect(broker.closed.contains(second) && broker.take(second).isEmpty)
        #expect(!broker.closed.contains(first), "a throttled CONNECT takes nothing over")
        let event = try #require(broker.events(.connectThrottled).first)
        #expect(event.explanation.contains("400 ms after the previous one"), "\(event.explanation)")
        #expect(event.explanation.contains("1 CONNECT per second per client id") && event.explanation.contains("THROTTLED"))
        #expect(event.closedConnection && event.hint != nil)
        // A second later the same client id connects (and takes the session over).
        broker.now = broker.now + .milliseconds(600)
        let third = broker.connect("device-001", listener: BrokerHarness.aws)
        #expect(Self.connAck(broker.take(third))?.reasonCode == .success)
        #expect(broker.closed.contains(first))
    }

    @Test("mosquitto: no CONNECT throttle, and other client ids are never throttled")
    func noThrottle() {
        var broker = BrokerHarness()
        for _ in 1...3 { broker.connect("device-001") }
        broker.connect("device-002", identity: "device-002", listener: BrokerHarness.aws)
        broker.connect("device-003", identity: "device-003", listener: BrokerHarness.aws)
        #expect(broker.events(.connectThrottled).isEmpty)
        #expect(broker.events(.connected).count == 5)
    }

    @Test("aws: a duplicate client id closes the older connection (MQTT 5: DISCONNECT 0x8E) and names DUPLICATE_CLIENTID and the loop")
    func duplicateClientID() throws {
        var broker = BrokerHarness()
        let old = broker.connect("device-001", version: .v5, listener: BrokerHarness.aws)
        _ = broker.take(old)
        broker.advance(seconds: 2)
        broker.connect("device-001", version: .v5, listener: BrokerHarness.aws)
        #expect(broker.take(old) == [.disconnect(Disconnect(reasonCode: .sessionTakenOver))])
        let event = try #require(broker.events(.sessionTakenOver).first)
        #expect(event.explanation.contains("DUPLICATE_CLIENTID"), "\(event.explanation)")
        #expect(event.hint?.contains("loop") == true)
        var mosquitto = BrokerHarness()
        mosquitto.connect("twin")
        mosquitto.connect("twin")
        #expect(mosquitto.events(.sessionTakenOver).first?.explanation.contains("DUPLICATE_CLIENTID") == false)
    }

    @Test("aws: past 100 publishes in a second the rest are dropped without PUBACK, told once with the count when the second is over")
    func publishRate() throws {
        var broker = BrokerHarness()
        let watcher = broker.connect("watcher", identity: "watcher", listener: BrokerHarness.aws)
        broker.subscribe(watcher, ["burst/#"], qos: .atMostOnce)
        _ = broker.take(watcher)
        let device = broker.connect("device-001", listener: BrokerHarness.aws)
        _ = broker.take(device)
        for index in 1...105 {
            broker.publish(device, "burst/\(index)", "\(index)", qos: index > 103 ? .atLeastOnce : .atMostOnce, packetID: UInt16(index))
        }
        #expect(broker.messages(watcher).count == 100)
        #expect(broker.take(device).isEmpty, "no PUBACK for the dropped QoS 1 publishes")
        #expect(broker.events(.publishThrottled).isEmpty, "told when the second is over")
        broker.advance(seconds: 1)
        let event = try #require(broker.events(.publishThrottled).first)
        #expect(event.explanation.contains("sent 105 PUBLISH packets within one second; AWS IoT allows 100"), "\(event.explanation)")
        #expect(event.explanation.contains("5 were dropped, the first on burst/101"))
        #expect(event.explanation.contains("2 of them were QoS 1 and got no PUBACK"))
        #expect(!event.closedConnection && !broker.closed.contains(device))
        broker.advance(seconds: 1)
        #expect(broker.events(.publishThrottled).count == 1, "once per throttled second")
        // A new second: publishes flow again.
        broker.publish(device, "burst/again", "again", qos: .atLeastOnce, packetID: 500)
        #expect(broker.messages(watcher).map(\.text) == ["again"])
        #expect(broker.take(device) == [.pubAck(PubAck(packetIdentifier: 500))])
    }

    @Test("aws: the count of a throttled second is told by the next publish too, and after the connection has gone")
    func publishRateToldLater() throws {
        var broker = BrokerHarness()
        let device = broker.connect("device-001", listener: BrokerHarness.aws)
        for index in 1...102 { broker.publish(device, "t", "\(index)") }
        broker.now = broker.now + .milliseconds(1500)
        broker.publish(device, "t", "later")
        #expect(broker.events(.publishThrottled).count == 1)
        for index in 1...101 { broker.publish(device, "t", "\(index)") }  // with "later", 102 in this second
        broker.drop(device)
        broker.advance(seconds: 1)
        let events = broker.events(.publishThrottled)
        #expect(events.count == 2 && events[1].explanation.contains("2 were dropped"), "\(events.map(\.explanation))")
    }

    @Test("mosquitto: no publish rate limit")
    func noPublishRate() {
        var broker = BrokerHarness()
        let watcher = broker.connect("watcher")
        broker.subscribe(watcher, ["t"], qos: .atMostOnce)
        _ = broker.take(watcher)
        let device = broker.connect("device")
        for index in 1...150 { broker.publish(device, "t", "\(index)") }
        broker.advance(seconds: 1)
        #expect(broker.messages(watcher).count == 150)
        #expect(broker.events(.publishThrottled).isEmpty)
    }

    @Test("aws: MQTT 5 CONNACK as AWS IoT's: Receive Maximum 100, Topic Alias Maximum 8, Retain 1, Wildcard 1, Subscription Identifiers 0, Shared 1, Maximum QoS 1")
    func awsConnAck() throws {
        var broker = BrokerHarness()
        let id = broker.connect("device-001", version: .v5, listener: BrokerHarness.aws)
        let ack = try #require(Self.connAck(broker.take(id)))
        for property: Property in [.receiveMaximum(100), .topicAliasMaximum(8), .retainAvailable(true), .wildcardSubscriptionAvailable(true),
                                   .subscriptionIdentifierAvailable(false), .sharedSubscriptionAvailable(true), .maximumQoS(.atLeastOnce)] {
            #expect(ack.properties.elements.contains(property), "\(property) missing from \(ack.properties.elements)")
        }
    }

    @Test("aws: Topic Alias 9 is above AWS IoT's maximum of 8: DISCONNECT 0x94")
    func topicAliasMaximum() throws {
        var broker = BrokerHarness()
        let id = broker.connect("device-001", version: .v5, listener: BrokerHarness.aws)
        broker.publish(id, "devices/device-001/a", "8", properties: [.topicAlias(8)])
        #expect(!broker.closed.contains(id))
        broker.publish(id, "devices/device-001/b", "9", properties: [.topicAlias(9)])
        #expect(broker.closed.contains(id))
        #expect(broker.events(.topicAliasInvalid).first?.sentCode == ReasonCode.topicAliasInvalid.rawValue)
    }

    @Test("aws: a SUBSCRIBE with a Subscription Identifier hears DISCONNECT 0xA1; mosquitto accepts it")
    func subscriptionIdentifier() throws {
        var broker = BrokerHarness()
        let id = broker.connect("device-001", version: .v5, listener: BrokerHarness.aws)
        _ = broker.take(id)
        broker.subscribe(id, ["devices/device-001/#"], properties: [.subscriptionIdentifier(3)])
        guard case .disconnect(let disconnect) = try #require(broker.take(id).last) else { Issue.record("no DISCONNECT"); return }
        #expect(disconnect.reasonCode == .subscriptionIdentifiersNotSupported)
        #expect(broker.closed.contains(id))
        let event = try #require(broker.events(.subscriptionIdentifiersUnsupported).first)
        #expect(event.sentCode == 0xA1 && event.closedConnection)
        #expect(event.explanation.contains("AWS IoT does not support them"), "\(event.explanation)")
        var mosquitto = BrokerHarness()
        let fine = mosquitto.connect("device", version: .v5)
        mosquitto.subscribe(fine, ["t"], properties: [.subscriptionIdentifier(3)])
        #expect(mosquitto.take(fine).last == .subAck(SubAck(packetIdentifier: 1, reasonCodes: [.grantedQoS1])))
    }

    @Test("aws: QoS 1 in flight to a client is capped at 100, whatever its Receive Maximum (3.1.1 too)", arguments: [ProtocolVersion.v5, .v311])
    func outboundInflight(version: ProtocolVersion) {
        var broker = BrokerHarness()
        let reader = broker.connect("reader", identity: "reader", version: version, listener: BrokerHarness.aws)
        broker.subscribe(reader, ["q"])
        _ = broker.take(reader)
        let device = broker.connect("device-001", listener: BrokerHarness.aws)
        for index in 1...100 { broker.publish(device, "q", "\(index)", qos: .atLeastOnce, packetID: UInt16(index)) }
        broker.advance(seconds: 1)
        for index in 101...120 { broker.publish(device, "q", "\(index)", qos: .atLeastOnce, packetID: UInt16(index)) }
        let sent = broker.messages(reader)
        #expect(sent.count == 100)
        broker.send(reader, .pubAck(PubAck(packetIdentifier: sent[0].packetIdentifier ?? 0)))
        #expect(broker.messages(reader).map(\.text) == ["101"], "one acknowledged, one more goes out")
    }

    @Test("aws: a retained publish to a reserved $ topic is refused and closed; awsRetainProblem says why")
    func retainOnReservedTopic() throws {
        var broker = BrokerHarness()
        let id = broker.connect("device-001", listener: BrokerHarness.aws)
        broker.publish(id, "$aws/things/device-001/shadow/update", "{}", qos: .atLeastOnce, retain: true)
        #expect(broker.closed.contains(id))
        let event = try #require(broker.events(.reservedTopicRetain).first)
        #expect(event.explanation.contains("does not allow the RETAIN flag on reserved ($) topics"), "\(event.explanation)")
        #expect(broker.core.statistics.retained == 0)
        var mosquitto = BrokerHarness()
        let fine = mosquitto.connect("device")
        mosquitto.publish(fine, "$lab/status", "kept", retain: true)
        #expect(mosquitto.core.statistics.retained == 1 && !mosquitto.closed.contains(fine))
    }

    @Test("aws: a retained message is sent on subscription only to a filter that is exactly its topic; mosquitto sends it to wildcards too")
    func retainedExactTopicOnly() {
        var broker = BrokerHarness()
        let device = broker.connect("device-001", listener: BrokerHarness.aws)
        broker.publish(device, "devices/device-001/config", "v1", retain: true)
        let app = broker.connect("device-002", identity: "device-002", listener: BrokerHarness.aws)
        broker.subscribe(app, ["devices/device-001/#"])
        #expect(broker.messages(app).isEmpty, "a wildcard filter gets no retained message from AWS IoT")
        broker.subscribe(app, ["devices/device-001/config"], packetID: 2)
        #expect(broker.messages(app).map(\.text) == ["v1"])
        broker.publish(device, "devices/device-001/config", "v2", retain: true)
        #expect(broker.messages(app).map(\.text) == ["v2"], "a live message reaches the wildcard as usual, once")
        var mosquitto = BrokerHarness()
        let publisher = mosquitto.connect("publisher")
        mosquitto.publish(publisher, "devices/device-001/config", "v1", retain: true)
        let reader = mosquitto.connect("reader")
        mosquitto.subscribe(reader, ["devices/device-001/#"])
        #expect(mosquitto.messages(reader).map(\.text) == ["v1"])
    }

    @Test("aws: a payload over 128 KB closes the connection and names AWS's CLIENT_ERROR")
    func payload() throws {
        var broker = BrokerHarness()
        let id = broker.connect("device-001", listener: BrokerHarness.aws)
        broker.publish(id, "devices/device-001/big", String(repeating: "x", count: 128 * 1024 + 1))
        #expect(broker.closed.contains(id))
        #expect(try #require(broker.events(.payloadTooLarge).first).explanation.contains("CLIENT_ERROR"))
    }

    @Test("aws: a 9th filter in one SUBSCRIBE closes the connection; 51 subscriptions on one connection too")
    func subscriptionCaps() throws {
        var broker = BrokerHarness()
        let nine = broker.connect("device-001", listener: BrokerHarness.aws)
        broker.subscribe(nine, (1...9).map { "devices/device-001/\($0)" })
        #expect(broker.closed.contains(nine))
        #expect(try #require(broker.events(.tooManyFilters).first).explanation.contains("AWS IoT takes at most 8"))
        let many = broker.connect("device-002", identity: "device-002", listener: BrokerHarness.aws)
        for batch in 0..<7 {
            broker.subscribe(many, (0..<8).map { "devices/device-002/\(batch)/\($0)" }, packetID: UInt16(batch + 1))
        }
        #expect(broker.closed.contains(many))
        let event = try #require(broker.events(.subscriptionLimit).first)
        #expect(event.explanation.contains("holds 50 subscriptions") && event.explanation.contains("AWS IoT allows 50 per connection"), "\(event.explanation)")
    }

    @Test("aws: MQTT 5 Session Expiry is capped at 3600 s and the CONNACK says so; 3.1.1 persistent sessions last 1 h")
    func sessionExpiry() throws {
        var broker = BrokerHarness()
        let id = broker.connect("device-001", version: .v5, clean: false, properties: [.sessionExpiryInterval(86_400)], listener: BrokerHarness.aws)
        #expect(Self.connAck(broker.take(id))?.properties.elements.contains(.sessionExpiryInterval(3600)) == true)
        let old = broker.connect("device-002", identity: "device-002", clean: false, listener: BrokerHarness.aws)
        broker.subscribe(old, ["devices/device-002/#"])
        broker.drop(old)
        broker.advance(seconds: 3599)
        #expect(broker.core.statistics.sessions == 2)
        broker.advance(seconds: 1)
        #expect(broker.core.statistics.sessions == 1, "the 3.1.1 session ended an hour after its connection")
    }
}
