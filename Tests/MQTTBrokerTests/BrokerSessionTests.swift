import MQTTBroker
import MQTTCodec
import NIOCore
import Testing

@Suite("Broker: sessions, wills, keep-alive and take-over")
struct BrokerSessionTests {
    @Test("A persistent 3.1.1 session keeps its subscriptions and queues QoS 1 (not QoS 0) while offline")
    func persistentSession() throws {
        var broker = BrokerHarness()
        let first = broker.connect("dev", clean: false)
        broker.subscribe(first, ["q/#"])
        broker.send(first, .disconnect(Disconnect()))
        let pub = broker.connect("pub")
        broker.publish(pub, "q/1", "kept", qos: .atLeastOnce, packetID: 1)
        broker.publish(pub, "q/0", "lost")
        let second = broker.connect("dev", clean: false)
        let packets = broker.take(second)
        #expect(packets.first == .connAck(ConnAck(sessionPresent: true, reasonCode: .success)))
        let messages = packets.compactMap { if case .publish(let p) = $0 { return p.text } else { return nil } }
        #expect(messages == ["kept"])
        #expect(broker.events(.connected).last?.explanation.contains("session resumed with 1 subscription(s) and 1 message(s) waiting") == true)
    }

    @Test("Unacknowledged QoS 1 messages are sent again with DUP after a reconnection")
    func redelivery() throws {
        var broker = BrokerHarness()
        let first = broker.connect("dev", clean: false)
        broker.subscribe(first, ["r"])
        _ = broker.take(first)
        let pub = broker.connect("pub")
        broker.publish(pub, "r", "unacked", qos: .atLeastOnce)
        let original = try #require(broker.messages(first).first)
        broker.drop(first)
        let second = broker.connect("dev", clean: false)
        let again = try #require(broker.messages(second).first)
        #expect(again.duplicate && again.packetIdentifier == original.packetIdentifier && again.text == "unacked")
    }

    @Test("Clean session discards what was kept; MQTT 5 session expiry ends a session in time")
    func expiry() {
        var broker = BrokerHarness()
        let a = broker.connect("dev", clean: false)
        broker.subscribe(a, ["x"])
        broker.send(a, .disconnect(Disconnect()))
        let b = broker.connect("dev", clean: true)
        #expect(broker.take(b).first == .connAck(ConnAck(sessionPresent: false, reasonCode: .success)))
        broker.send(b, .disconnect(Disconnect()))

        let v5 = broker.connect("v5", version: .v5, clean: false, properties: [.sessionExpiryInterval(10)])
        broker.subscribe(v5, ["x"])
        broker.drop(v5)
        #expect(broker.core.statistics.sessions == 1)
        broker.advance(seconds: 11)
        #expect(broker.core.statistics.sessions == 0)
    }

    @Test("A will is published when the connection drops, not after DISCONNECT; retained when asked")
    func wills() {
        var broker = BrokerHarness()
        let watcher = broker.connect("watcher")
        broker.subscribe(watcher, ["status/#"], qos: .atMostOnce)
        _ = broker.take(watcher)
        let will = Will(topic: "status/dev", payload: ByteBuffer(string: "offline"), qos: .atMostOnce, retain: true)
        let polite = broker.connect("polite", will: will)
        broker.send(polite, .disconnect(Disconnect()))
        #expect(broker.messages(watcher).isEmpty)
        let crashing = broker.connect("crashing", will: will)
        broker.drop(crashing)
        #expect(broker.messages(watcher).map(\.text) == ["offline"])
        #expect(broker.events(.connectionLost).first?.explanation.contains("Its will to status/dev was published") == true)
        let late = broker.connect("late")
        broker.subscribe(late, ["status/dev"], qos: .atMostOnce)
        #expect(broker.messages(late).map { "\($0.text) retain=\($0.retain)" } == ["offline retain=true"])
    }

    @Test("An MQTT 5 will delay: published when it runs out, cancelled by a reconnection; DISCONNECT 0x04 sends it")
    func willDelay() {
        var broker = BrokerHarness()
        let watcher = broker.connect("watcher")
        broker.subscribe(watcher, ["w"], qos: .atMostOnce)
        _ = broker.take(watcher)
        let will = Will(topic: "w", payload: ByteBuffer(string: "gone"), qos: .atMostOnce, retain: false, properties: [.willDelayInterval(5)])
        let session: Properties = [.sessionExpiryInterval(60)]
        let a = broker.connect("dev", version: .v5, clean: false, will: will, properties: session)
        broker.drop(a)
        broker.advance(seconds: 3)
        #expect(broker.messages(watcher).isEmpty)
        broker.advance(seconds: 3)
        #expect(broker.messages(watcher).map(\.text) == ["gone"])

        let b = broker.connect("dev", version: .v5, clean: false, will: will, properties: session)
        broker.drop(b)
        broker.advance(seconds: 2)
        _ = broker.connect("dev", version: .v5, clean: false, properties: session)
        broker.advance(seconds: 10)
        #expect(broker.messages(watcher).isEmpty, "the reconnection cancelled the delayed will")

        let c = broker.connect("other", version: .v5, will: Will(topic: "w", payload: ByteBuffer(string: "asked"), qos: .atMostOnce, retain: false))
        broker.send(c, .disconnect(Disconnect(reasonCode: .disconnectWithWillMessage)))
        #expect(broker.messages(watcher).map(\.text) == ["asked"])
    }

    @Test("A second CONNECT with the same client id closes the first connection (v5: DISCONNECT 0x8E) and fires its will")
    func takeOver() {
        var broker = BrokerHarness()
        let watcher = broker.connect("watcher")
        broker.subscribe(watcher, ["w"], qos: .atMostOnce)
        _ = broker.take(watcher)
        let old = broker.connect("same", version: .v5, will: Will(topic: "w", payload: ByteBuffer(string: "old gone"), qos: .atMostOnce, retain: false))
        _ = broker.take(old)
        let new = broker.connect("same", version: .v5)
        #expect(broker.take(old) == [.disconnect(Disconnect(reasonCode: .sessionTakenOver))])
        #expect(broker.closed.contains(old) && !broker.closed.contains(new))
        #expect(broker.events(.sessionTakenOver).first?.explanation.contains("used the same client id \"same\"") == true)
        #expect(broker.messages(watcher).map(\.text) == ["old gone"])
    }

    @Test("Keep-alive is enforced at 1.5 ×; a timeout closes with 0x8D for MQTT 5 and fires the will")
    func keepAlive() {
        var broker = BrokerHarness()
        let id = broker.connect("k", version: .v5, keepAlive: 10)
        #expect(broker.core.keepAliveTimeout(id) == .milliseconds(15_000))
        _ = broker.take(id)
        broker.apply(broker.core.keepAliveExpired(id, now: broker.now))
        #expect(broker.take(id) == [.disconnect(Disconnect(reasonCode: .keepAliveTimeout))])
        #expect(broker.events(.keepAliveTimeout).first?.explanation.contains("15.0 s (1.5 × its keep-alive of 10 s)") == true)
        let none = broker.connect("n", keepAlive: 0)
        #expect(broker.core.keepAliveTimeout(none) == nil)
    }

    @Test("An empty client id with clean session 0 is refused in 3.1.1 (CONNACK 0x02)")
    func emptyClientID() {
        var broker = BrokerHarness()
        let id = broker.connect("", clean: false)
        #expect(broker.take(id) == [.connAck(ConnAck(reasonCode: .clientIdentifierNotValid))])
        #expect(broker.closed.contains(id))
        #expect(broker.events(.clientIDRejected).first?.sentCode == 0x02)
    }

    @Test("A subscriber that does not keep up: its in-flight window, then its queue, then drops with one queue_full event")
    func queueFull() {
        var broker = BrokerHarness()
        var limits = BrokerLimits.defaults(for: .mosquitto)
        limits.inflightForV311 = 2
        limits.maximumQueuedMessages = 5
        let slow = broker.connect("slow", listener: BrokerConfiguration(name: "mqtt", behaviour: .mosquitto, limits: limits))
        broker.subscribe(slow, ["q"])
        _ = broker.take(slow)
        let pub = broker.connect("pub")
        for index in 1...10 { broker.publish(pub, "q", "\(index)", qos: .atLeastOnce, packetID: UInt16(index)) }
        let first = broker.messages(slow)
        #expect(first.map(\.text) == ["1", "2"])
        #expect(broker.events(.queueFull).count == 1)
        var received = first.map(\.text)
        var batch = first
        while !batch.isEmpty {
            for message in batch { broker.send(slow, .pubAck(PubAck(packetIdentifier: message.packetIdentifier!))) }
            batch = broker.messages(slow)
            received += batch.map(\.text)
        }
        #expect(received == (1...7).map(String.init), "in order; 8–10 were dropped")
    }

    @Test("Clean Start ends the old session, and its delayed will goes out then (MQTT 5 §3.1.3.2.2)")
    func cleanStartSendsPendingWill() {
        var broker = BrokerHarness()
        let watcher = broker.connect("watcher")
        broker.subscribe(watcher, ["w"], qos: .atMostOnce)
        _ = broker.take(watcher)
        let will = Will(topic: "w", payload: ByteBuffer(string: "ended"), qos: .atMostOnce, retain: false, properties: [.willDelayInterval(60)])
        let first = broker.connect("dev", version: .v5, clean: false, will: will, properties: [.sessionExpiryInterval(300)])
        broker.drop(first)
        #expect(broker.messages(watcher).isEmpty)
        _ = broker.connect("dev", version: .v5, clean: true)
        #expect(broker.messages(watcher).map(\.text) == ["ended"])
    }

    @Test("A DISCONNECT with an error reason code keeps the will ([MQTT-3.14.4-3]); only 0x00 discards it")
    func disconnectWithErrorSendsWill() {
        var broker = BrokerHarness()
        let watcher = broker.connect("watcher")
        broker.subscribe(watcher, ["w"], qos: .atMostOnce)
        _ = broker.take(watcher)
        let id = broker.connect("dev", version: .v5, will: Will(topic: "w", payload: ByteBuffer(string: "error"), qos: .atMostOnce, retain: false))
        broker.send(id, .disconnect(Disconnect(reasonCode: .unspecifiedError)))
        #expect(broker.messages(watcher).map(\.text) == ["error"])
        #expect(broker.events(.disconnected).last?.explanation.contains("with reason 0x80") == true)
    }

    @Test("A reconnection with a smaller Receive Maximum gets at most that many messages again; the rest wait")
    func resumeRespectsReceiveMaximum() {
        var broker = BrokerHarness()
        let first = broker.connect("dev", version: .v5, clean: false, properties: [.sessionExpiryInterval(60), .receiveMaximum(10)])
        broker.subscribe(first, ["r"])
        _ = broker.take(first)
        let pub = broker.connect("pub")
        for index in 1...5 { broker.publish(pub, "r", "\(index)", qos: .atLeastOnce, packetID: UInt16(index)) }
        #expect(broker.messages(first).count == 5)
        broker.drop(first)
        let second = broker.connect("dev", version: .v5, clean: false, properties: [.sessionExpiryInterval(60), .receiveMaximum(2)])
        var received: [String] = []
        var batch = broker.messages(second)
        #expect(batch.count == 2)
        while !batch.isEmpty {
            received += batch.map(\.text)
            for message in batch { broker.send(second, .pubAck(PubAck(packetIdentifier: message.packetIdentifier!))) }
            batch = broker.messages(second)
            #expect(batch.count <= 2)
        }
        #expect(received == (1...5).map(String.init))
    }
}
