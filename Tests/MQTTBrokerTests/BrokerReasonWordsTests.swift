import MQTTBroker
import MQTTCodec
import NIOCore
import Testing

/// Bytes written as spaced hex: "10 0D 00 04".
private func bytes(_ hex: String) -> ByteBuffer {
    var buffer = ByteBuffer()
    for pair in hex.split(separator: " ") { buffer.writeInteger(UInt8(pair, radix: 16)!) }
    return buffer
}

private func hex(_ buffer: ByteBuffer) -> String {
    buffer.readableBytesView.map { ($0 < 16 ? "0" : "") + String($0, radix: 16, uppercase: true) }.joined(separator: " ")
}

@Suite("Broker reasons: the sentences cite the right rule and say what happened")
struct BrokerReasonWordsTests {
    @Test("An MQTT 5 client past the broker's Receive Maximum broke the client's rule, [MQTT-3.3.4-7]")
    func receiveMaximumCitesTheClientsRule() throws {
        var broker = BrokerHarness()
        var limits = BrokerLimits.defaults(for: .mosquitto)
        limits.receiveMaximum = 2
        let eager = broker.connect("eager", version: .v5, listener: BrokerConfiguration(limits: limits))
        for identifier: UInt16 in 1...3 { broker.publish(eager, "q2", "\(identifier)", qos: .exactlyOnce, packetID: identifier) }
        let event = try #require(broker.events(.receiveMaximumExceeded).first)
        #expect(event.explanation.contains("[MQTT-3.3.4-7] more than 2 QoS 2 messages unreleased"), "\(event.explanation)")
        #expect(!event.explanation.contains("3.3.4-9"), "[MQTT-3.3.4-9] is the server's rule")
        #expect(event.sentCode == ReasonCode.receiveMaximumExceeded.rawValue)
        guard case .disconnect(let disconnect) = try #require(broker.take(eager).last) else { Issue.record("no DISCONNECT"); return }
        #expect(disconnect.properties.elements.contains { if case .reasonString(let text) = $0 { text.hasPrefix("[MQTT-3.3.4-7]") } else { false } })
    }

    @Test("A Topic Alias this connection never set cites [MQTT-3.3.2-7]: aliases do not carry over from an earlier connection")
    func unknownTopicAlias() throws {
        var broker = BrokerHarness()
        let first = broker.connect("aliases", version: .v5)
        broker.publish(first, "alias/topic", "set", properties: [.topicAlias(1)])
        broker.drop(first)
        let again = broker.connect("aliases", version: .v5)
        broker.publish(again, "", "reused", properties: [.topicAlias(1)])
        let event = try #require(broker.events(.topicAliasInvalid).first)
        #expect(event.explanation.contains("[MQTT-3.3.2-7] topic alias 1 was used before this connection set it"), "\(event.explanation)")
        #expect(!event.explanation.contains("3.3.4-7"))
        #expect(broker.closed.contains(again))
    }

    @Test("A Topic Alias of 0 is refused citing [MQTT-3.3.2-8]")
    func topicAliasZero() throws {
        var broker = BrokerHarness()
        let id = broker.connect("zero", version: .v5)
        _ = broker.take(id)
        var decoder = MQTTDecoder(version: .v5)
        // PUBLISH QoS 0 to "t" with the property Topic Alias (0x23) = 0.
        var buffer = bytes("30 07 00 01 74 03 23 00 00")
        do {
            let packet = try decoder.decode(buffer: &buffer)
            Issue.record("decoded \(String(describing: packet))")
        } catch {
            let actions = broker.core.malformed(error, from: id, now: broker.now)
            broker.apply(actions)
        }
        let event = try #require(broker.events(.protocolViolation).first)
        #expect(event.explanation.contains("[MQTT-3.3.2-8] the Topic Alias property is 0"), "\(event.explanation)")
    }

    @Test("An MQTT 5 CONNECT with a bad protocol name hears an MQTT 5 CONNACK 0x84 ([MQTT-3.1.2-1]); other levels hear 0x01", arguments: [
        // Protocol name "MQTX", level 5, clean start, keep-alive 60, no properties, empty client id.
        ("10 0D 00 04 4D 51 54 58 05 02 00 3C 00 00 00", ProtocolVersion.v5, "20 ", ReasonCode.unsupportedProtocolVersion.rawValue),
        // MQTT 3.1's "MQIsdp", level 3: the 3.1.1 form.
        ("10 0E 00 06 4D 51 49 73 64 70 03 02 00 3C 00 00", .v311, "20 02 00 01", ConnectReturnCode.unacceptableProtocolVersion.rawValue),
        // "MQTT" at level 6: the 3.1.1 form ([MQTT-3.1.2-2]).
        ("10 0C 00 04 4D 51 54 54 06 02 00 3C 00 00", .v311, "20 02 00 01", ConnectReturnCode.unacceptableProtocolVersion.rawValue),
    ])
    func refusedProtocol(connect: String, answer: ProtocolVersion, expected: String, sentCode: UInt8) throws {
        var broker = BrokerHarness()
        let id = ConnectionID(77)
        broker.core.open(id, listener: BrokerHarness.mosquitto, identity: nil, peer: "192.0.2.7:7")
        var decoder = MQTTDecoder()
        var buffer = bytes(connect)
        // The version the I/O layer writes the answer in: the broker's, read before the connection is gone.
        var version = ProtocolVersion.v311
        do {
            let packet = try decoder.decode(buffer: &buffer)
            Issue.record("decoded \(String(describing: packet))")
        } catch {
            let actions = broker.core.malformed(error, from: id, now: broker.now)
            version = broker.core.protocolVersion(id)
            broker.apply(actions)
        }
        #expect(version == answer)
        let sent = broker.take(id)
        #expect(sent.count == 1 && broker.closed.contains(id))
        guard case .connAck(let ack) = try #require(sent.first) else { Issue.record("no CONNACK: \(sent)"); return }
        var written = ByteBuffer()
        MQTTPacket.connAck(ack).encode(into: &written, version: version)
        #expect(hex(written).hasPrefix(expected), "\(hex(written))")
        if answer == .v5 {
            // Fixed header, then flags 00 and reason code 0x84, then the properties (a Reason String).
            #expect(Array(written.readableBytesView.dropFirst(2).prefix(2)) == [0x00, 0x84], "\(hex(written))")
            var again = written
            #expect(try MQTTPacket.decode(from: &again, version: .v5) == .connAck(ack))
            #expect(ack.properties.elements.contains { if case .reasonString(let text) = $0 { text.contains("[MQTT-3.1.2-1]") } else { false } })
        }
        let event = try #require(broker.events(.unsupportedProtocolVersion).first)
        #expect(event.sentCode == sentCode && event.closedConnection)
    }

    // MARK: Wills

    static let will = Will(topic: "lab/status", payload: ByteBuffer(string: "offline"), qos: .atMostOnce, retain: false)

    static func will(delay seconds: UInt32) -> Will {
        Will(topic: "lab/status", payload: ByteBuffer(string: "offline"), qos: .atMostOnce, retain: false, properties: [.willDelayInterval(seconds)])
    }

    @Test("A Will Delay with Session Expiry 0 goes out at once, and the event says published, not scheduled")
    func willDelayWithoutSession() throws {
        var broker = BrokerHarness()
        let watcher = broker.connect("watcher")
        broker.subscribe(watcher, ["lab/#"], qos: .atMostOnce)
        _ = broker.take(watcher)
        let device = broker.connect("device", version: .v5, will: Self.will(delay: 30))
        broker.drop(device)
        #expect(broker.messages(watcher).map(\.text) == ["offline"])
        let event = try #require(broker.events(.connectionLost).first)
        #expect(event.explanation.hasSuffix("Its will to lab/status was published."), "\(event.explanation)")
        #expect(!event.explanation.contains("scheduled"))
    }

    @Test("A will that really waits is scheduled, for the smaller of its Will Delay and the session expiry", arguments: [
        (UInt32(30), UInt32(60), "Its will to lab/status was scheduled for 30 s from now (its Will Delay Interval)"),
        (120, 60, "Its will to lab/status was scheduled for 60 s from now (when its session expires, before its Will Delay Interval of 120 s)"),
    ])
    func willScheduled(willDelay: UInt32, sessionExpiry: UInt32, expected: String) throws {
        var broker = BrokerHarness()
        let watcher = broker.connect("watcher")
        broker.subscribe(watcher, ["lab/#"], qos: .atMostOnce)
        _ = broker.take(watcher)
        let device = broker.connect("device", version: .v5, clean: false, will: Self.will(delay: willDelay),
                                    properties: [.sessionExpiryInterval(sessionExpiry)])
        broker.drop(device)
        #expect(broker.messages(watcher).isEmpty)
        let event = try #require(broker.events(.connectionLost).first)
        #expect(event.explanation.contains(expected), "\(event.explanation)")
        broker.advance(seconds: Int64(min(willDelay, sessionExpiry)))
        #expect(broker.messages(watcher).map(\.text) == ["offline"], "it went out when the event said")
    }

    @Test("DISCONNECT 0x04 with a Will Delay: the will is scheduled, not published yet")
    func disconnectWithDelayedWill() throws {
        var broker = BrokerHarness()
        let device = broker.connect("device", version: .v5, clean: false, will: Self.will(delay: 10), properties: [.sessionExpiryInterval(60)])
        broker.send(device, .disconnect(Disconnect(reasonCode: .disconnectWithWillMessage)))
        let event = try #require(broker.events(.disconnected).first)
        #expect(event.explanation.contains("Its will to lab/status was scheduled for 10 s from now (its Will Delay Interval)"), "\(event.explanation)")
        #expect(event.explanation.contains("(0x04 keeps it)"))
    }

    @Test("keep_alive_timeout says the will was published, and to which topic", arguments: [ProtocolVersion.v311, .v5])
    func keepAliveWithWill(version: ProtocolVersion) throws {
        var broker = BrokerHarness()
        let watcher = broker.connect("watcher")
        broker.subscribe(watcher, ["lab/#"], qos: .atMostOnce)
        _ = broker.take(watcher)
        let silent = broker.connect("silent", version: version, keepAlive: 2, will: Self.will)
        let actions = broker.core.keepAliveExpired(silent, now: broker.now)
        broker.apply(actions)
        #expect(broker.messages(watcher).map(\.text) == ["offline"])
        let event = try #require(broker.events(.keepAliveTimeout).first)
        #expect(event.explanation.hasSuffix("the broker closed the connection. Its will to lab/status was published."), "\(event.explanation)")
        let quiet = broker.connect("quiet", version: version, keepAlive: 2)
        let without = broker.core.keepAliveExpired(quiet, now: broker.now)
        broker.apply(without)
        #expect(broker.events(.keepAliveTimeout).last?.explanation.hasSuffix("the broker closed the connection") == true, "no will, no sentence")
    }
}
