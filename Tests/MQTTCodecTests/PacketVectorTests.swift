import MQTTCodec
import NIOCore
import Testing

@Suite("Packets encode and decode to the spec's bytes")
struct PacketVectorTests {
    @Test("decoding the spec bytes gives the packet", arguments: MQTTPacketVector.all)
    func decodes(_ vector: MQTTPacketVector) throws {
        var buffer = vector.buffer
        let packet = try MQTTPacket.decode(from: &buffer, version: vector.version)
        #expect(packet == vector.packet)
        #expect(buffer.readableBytes == 0)
    }

    @Test("encoding the packet gives the spec bytes", arguments: MQTTPacketVector.all)
    func encodes(_ vector: MQTTPacketVector) {
        var buffer = ByteBuffer()
        vector.packet.encode(into: &buffer, version: vector.version)
        #expect(buffer.hexDump == vector.buffer.hexDump)
    }

    @Test("every packet type has a vector in each version")
    func coverage() {
        let v311Types = Set(MQTTPacketVector.v311.map(\.packet.type))
        let v5Types = Set(MQTTPacketVector.v5.map(\.packet.type))
        #expect(v311Types == Set(PacketType.allCases).subtracting([.auth]))
        #expect(v5Types == Set(PacketType.allCases))
    }

    @Test("a 3.1.1 CONNACK with a v5-only reason code is sent as Server Unavailable")
    func connAckFallback() {
        var buffer = ByteBuffer()
        MQTTPacket.connAck(ConnAck(reasonCode: .malformedPacket)).encode(into: &buffer, version: .v311)
        #expect(buffer.hexDump == "20 02 00 03")
    }

    @Test("v5-only fields are left out in 3.1.1")
    func v5FieldsDroppedInV311() throws {
        let packet = MQTTPacket.pubAck(PubAck(packetIdentifier: 3, reasonCode: .noMatchingSubscribers))
        var buffer = ByteBuffer()
        packet.encode(into: &buffer, version: .v311)
        #expect(buffer.hexDump == "40 02 00 03")
    }

    @Test("a large PUBLISH round-trips with a multi-byte remaining length")
    func largePublish() throws {
        let payload = ByteBuffer(repeating: 0xAB, count: 20_000)
        let packet = MQTTPacket.publish(Publish(topic: "big", payload: payload, qos: .atLeastOnce, packetIdentifier: 9))
        var buffer = ByteBuffer()
        packet.encode(into: &buffer, version: .v5)
        // 2 + 3 topic, 2 id, 1 property length, 20,000 payload = 20,008 = 0xA8 0x9C 0x01
        #expect(buffer.getBytes(at: 0, length: 4) == [0x32, 0xA8, 0x9C, 0x01])
        #expect(try MQTTPacket.decode(from: &buffer, version: .v5) == packet)
    }

    @Test("an incomplete packet decodes to nil and consumes nothing", arguments: MQTTPacketVector.all)
    func incomplete(_ vector: MQTTPacketVector) throws {
        let full = vector.buffer
        for length in 0..<full.readableBytes {
            var partial = full.getSlice(at: 0, length: length)!
            #expect(try MQTTPacket.decode(from: &partial, version: vector.version) == nil)
            #expect(partial.readableBytes == length)
        }
    }
}
