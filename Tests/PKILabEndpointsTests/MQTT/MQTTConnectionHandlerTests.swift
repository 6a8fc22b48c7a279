import MQTTBroker
import MQTTCodec
import NIOCore
import NIOEmbedded
import PKILab
import Testing
@testable import PKILabEndpoints

@Suite("The MQTT connection handler on EmbeddedChannel (the plain listener's pipeline)")
struct MQTTConnectionHandlerTests {
    /// A plain-listener handler over a fresh broker, on an active EmbeddedChannel.
    static func channel(events: EventBox, behaviour: BrokerBehaviour = .mosquitto) throws -> (EmbeddedChannel, BrokerHub) {
        let hub = BrokerHub(policy: nil, events: try events.makeLog())
        let listener = MQTTListener(name: "mqtt-plain", hub: hub, configuration: BrokerConfiguration(name: "mqtt-plain", behaviour: behaviour),
                                    identitySource: .commonName, tls: nil, connectTimeout: .seconds(5))
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(MQTTConnectionHandler(listener: listener, state: nil, peer: "192.0.2.1:1"))
        try channel.connect(to: SocketAddress(ipAddress: "192.0.2.1", port: 1)).wait()
        return (channel, hub)
    }

    /// Another plain-listener connection to the same broker, on the same event loop.
    static func secondChannel(hub: BrokerHub, loop: EmbeddedEventLoop) throws -> EmbeddedChannel {
        let listener = MQTTListener(name: "mqtt-plain", hub: hub, configuration: BrokerConfiguration(name: "mqtt-plain"), identitySource: .commonName,
                                    tls: nil, connectTimeout: .seconds(5))
        let channel = EmbeddedChannel(loop: loop)
        try channel.pipeline.syncOperations.addHandler(MQTTConnectionHandler(listener: listener, state: nil, peer: "192.0.2.2:2"))
        try channel.connect(to: SocketAddress(ipAddress: "192.0.2.2", port: 2)).wait()
        return channel
    }

    static func bytes(_ packet: MQTTPacket, _ version: ProtocolVersion = .v311) -> ByteBuffer {
        var buffer = ByteBuffer()
        packet.encode(into: &buffer, version: version)
        return buffer
    }

    static func read(_ channel: EmbeddedChannel, version: ProtocolVersion = .v311) throws -> [MQTTPacket] {
        var packets: [MQTTPacket] = []
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
            while let packet = try MQTTPacket.decode(from: &buffer, version: version) { packets.append(packet) }
        }
        return packets
    }

    @Test("A CONNECT split across reads is answered once it is whole; PINGREQ gets PINGRESP")
    func dripFed() throws {
        let events = EventBox()
        let (channel, _) = try Self.channel(events: events)
        let connect = Self.bytes(.connect(Connect(protocolVersion: .v311, clientIdentifier: "drip")))
        for index in 0..<connect.readableBytes {
            try channel.writeInbound(connect.getSlice(at: index, length: 1)!)
            if index < connect.readableBytes - 1 { #expect(try Self.read(channel).isEmpty) }
        }
        #expect(try Self.read(channel) == [.connAck(ConnAck())])
        try channel.writeInbound(Self.bytes(.pingReq(PingReq())))
        #expect(try Self.read(channel) == [.pingResp(PingResp())])
        let event = try #require(events.all.first)
        #expect(event.reason == "connected" && event.endpoint == "mqtt-plain" && event.mqtt?.clientID == "drip")
        #expect(event.notes.contains { $0.contains("plain MQTT") })
        _ = try? channel.finish()
    }

    @Test("Bytes that are not MQTT close the channel with one event naming the violation")
    func garbage() throws {
        let events = EventBox()
        let (channel, _) = try Self.channel(events: events)
        try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n"))
        #expect(!channel.isActive)
        let event = try #require(events.all.first { $0.mqtt != nil })
        #expect(event.outcome == .rejected && event.mqtt?.closed == true)
        #expect(event.explanation.contains("MQTT-3.1.0-1") || event.explanation.contains("MQTT"), "\(event.explanation)")
    }

    @Test("A message published on one connection is written to the subscriber's channel")
    func routing() throws {
        let events = EventBox()
        let (subscriber, hub) = try Self.channel(events: events)
        try subscriber.writeInbound(Self.bytes(.connect(Connect(protocolVersion: .v5, clientIdentifier: "sub")), .v5))
        try subscriber.writeInbound(Self.bytes(.subscribe(Subscribe(packetIdentifier: 1, subscriptions: [Subscription(topicFilter: "t/#", qos: .atLeastOnce)])), .v5))
        _ = try Self.read(subscriber, version: .v5)
        // The publisher shares the broker (a second handler on the same hub).
        let publisher = try Self.secondChannel(hub: hub, loop: subscriber.embeddedEventLoop)
        try publisher.writeInbound(Self.bytes(.connect(Connect(protocolVersion: .v311, clientIdentifier: "pub"))))
        try publisher.writeInbound(Self.bytes(.publish(Publish(topic: "t/1", payload: ByteBuffer(string: "hi"), qos: .atLeastOnce, packetIdentifier: 9))))
        #expect(try Self.read(publisher) == [.connAck(ConnAck()), .pubAck(PubAck(packetIdentifier: 9))])
        subscriber.embeddedEventLoop.run()
        let delivered = try Self.read(subscriber, version: .v5)
        guard case .publish(let publish) = try #require(delivered.first) else { Issue.record("no PUBLISH: \(delivered)"); return }
        #expect(publish.topic == "t/1" && String(buffer: publish.payload) == "hi" && publish.qos == .atLeastOnce)
        _ = try? publisher.finish()
        _ = try? subscriber.finish()
    }

    @Test("A message already on its way to a subscriber is written before one its own PUBACK releases")
    func orderAcrossHops() throws {
        let events = EventBox()
        let (subscriber, hub) = try Self.channel(events: events)
        try subscriber.writeInbound(Self.bytes(.connect(Connect(protocolVersion: .v5, clientIdentifier: "sub", properties: [.receiveMaximum(1)])), .v5))
        try subscriber.writeInbound(Self.bytes(.subscribe(Subscribe(packetIdentifier: 1, subscriptions: [Subscription(topicFilter: "o", qos: .atLeastOnce)])), .v5))
        _ = try Self.read(subscriber, version: .v5)
        let publisher = try Self.secondChannel(hub: hub, loop: subscriber.embeddedEventLoop)
        try publisher.writeInbound(Self.bytes(.connect(Connect(protocolVersion: .v311, clientIdentifier: "pub"))))
        // M1 goes to the subscriber through its event loop's queue; M2 waits in the session (Receive Maximum 1).
        try publisher.writeInbound(Self.bytes(.publish(Publish(topic: "o", payload: ByteBuffer(string: "M1"), qos: .atLeastOnce, packetIdentifier: 1))))
        try publisher.writeInbound(Self.bytes(.publish(Publish(topic: "o", payload: ByteBuffer(string: "M2"), qos: .atLeastOnce, packetIdentifier: 2))))
        // The subscriber acknowledges M1 (identifier 1) before its loop has written M1: M2 is released by that PUBACK.
        try subscriber.writeInbound(Self.bytes(.pubAck(PubAck(packetIdentifier: 1)), .v5))
        subscriber.embeddedEventLoop.run()
        let texts = try Self.read(subscriber, version: .v5).compactMap { packet -> String? in
            if case .publish(let publish) = packet { return String(buffer: publish.payload) } else { return nil }
        }
        #expect(texts == ["M1", "M2"])
        _ = try? publisher.finish()
        _ = try? subscriber.finish()
    }
}
