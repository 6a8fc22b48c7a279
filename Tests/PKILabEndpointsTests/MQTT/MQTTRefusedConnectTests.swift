import MQTTCodec
import NIOCore
import NIOEmbedded
import PKILab
import Testing
@testable import PKILabEndpoints

@Suite("The MQTT connection handler answers a refused CONNECT in the client's version")
struct MQTTRefusedConnectTests {
    static func bytes(_ hex: String) -> ByteBuffer {
        var buffer = ByteBuffer()
        for pair in hex.split(separator: " ") { buffer.writeInteger(UInt8(pair, radix: 16)!) }
        return buffer
    }

    static func written(_ channel: EmbeddedChannel) throws -> [UInt8] {
        var all: [UInt8] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { all += buffer.readableBytesView }
        return all
    }

    @Test("An MQTT 5 CONNECT with a bad protocol name gets the MQTT 5 CONNACK 0x84, then the connection closes ([MQTT-3.1.2-1])")
    func badNameAtLevel5() throws {
        let events = EventBox()
        let (channel, _) = try MQTTConnectionHandlerTests.channel(events: events)
        // Protocol name "MQTX", level 5, clean start, keep-alive 60, no properties, empty client id.
        try channel.writeInbound(Self.bytes("10 0D 00 04 4D 51 54 58 05 02 00 3C 00 00 00"))
        let answer = try Self.written(channel)
        #expect(answer.count > 4 && answer[0] == 0x20 && answer[2] == 0x00 && answer[3] == 0x84, "\(answer)")
        var buffer = ByteBuffer(bytes: answer)
        let packet = try MQTTPacket.decode(from: &buffer, version: .v5)
        guard case .connAck(let ack) = try #require(packet) else { Issue.record("not a CONNACK: \(String(describing: packet))"); return }
        #expect(ack.reasonCode == .unsupportedProtocolVersion && buffer.readableBytes == 0)
        #expect(!channel.isActive)
        let event = try #require(events.all.first { $0.mqtt != nil })
        #expect(event.reason == "unsupported_protocol_version" && event.mqtt?.sentCode == 0x84, "\(event)")
    }

    @Test("MQTT 3.1's \"MQIsdp\" (level 3) still gets the 3.1.1 CONNACK 0x01")
    func mqisdp() throws {
        let events = EventBox()
        let (channel, _) = try MQTTConnectionHandlerTests.channel(events: events)
        try channel.writeInbound(Self.bytes("10 0E 00 06 4D 51 49 73 64 70 03 02 00 3C 00 00"))
        #expect(try Self.written(channel) == [0x20, 0x02, 0x00, 0x01])
        #expect(!channel.isActive)
        let event = try #require(events.all.first { $0.mqtt != nil })
        #expect(event.reason == "unsupported_protocol_version" && event.mqtt?.sentCode == 0x01, "\(event)")
    }
}
