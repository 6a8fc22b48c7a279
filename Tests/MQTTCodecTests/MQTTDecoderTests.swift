import MQTTCodec
import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@Suite("MQTTDecoder in a channel")
struct MQTTDecoderTests {
    @Test("every packet survives drip-feeding and batching", arguments: ProtocolVersion.allCases)
    func verifier(_ version: ProtocolVersion) throws {
        let vectors = version == .v5 ? MQTTPacketVector.v5 : MQTTPacketVector.v311
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: vectors.map { ($0.buffer, [$0.packet]) },
            decoderFactory: { MQTTDecoder(version: version) }
        )
    }

    @Test("a server decoder learns the version from CONNECT, byte by byte too", arguments: ProtocolVersion.allCases)
    func learnsVersion(_ version: ProtocolVersion) throws {
        let vectors = version == .v5 ? MQTTPacketVector.v5 : MQTTPacketVector.v311
        var stream = vectors[0].buffer
        var expected = [vectors[0].packet]
        for vector in vectors.dropFirst() where vector.packet.type != .connect {
            var bytes = vector.buffer
            stream.writeBuffer(&bytes)
            expected.append(vector.packet)
        }
        // Not through ByteToMessageDecoderVerifier: it feeds the same input many times into one decoder,
        // and a server decoder rightly refuses the second CONNECT.
        var decoder = MQTTDecoder()
        var received: [MQTTPacket] = []
        var pending = ByteBuffer()
        for byte in stream.readableBytesView {
            pending.writeInteger(byte)
            while let packet = try decoder.decode(buffer: &pending) {
                received.append(packet)
            }
        }
        #expect(received == expected)
        #expect(decoder.version == version)
    }

    @Test("a server decoder refuses anything before CONNECT")
    func connectFirst() {
        var decoder = MQTTDecoder()
        var buffer = ByteBuffer(hex: "C0 00")
        #expect(throws: MQTTCodecError(.protocolViolation, "")) { try decoder.decode(buffer: &buffer) }
    }

    @Test("a server decoder refuses a second CONNECT")
    func secondConnect() throws {
        var decoder = MQTTDecoder()
        var buffer = MQTTPacketVector.v311[0].buffer
        var again = MQTTPacketVector.v311[0].buffer
        buffer.writeBuffer(&again)
        _ = try decoder.decode(buffer: &buffer)
        #expect(throws: MQTTCodecError(.protocolViolation, "")) { try decoder.decode(buffer: &buffer) }
    }

    @Test("AUTH is unknown to a decoder that learned 3.1.1")
    func authAfterV311Connect() throws {
        var decoder = MQTTDecoder()
        var buffer = MQTTPacketVector.v311[0].buffer
        _ = try decoder.decode(buffer: &buffer)
        var auth = ByteBuffer(hex: "F0 00")
        #expect(throws: MQTTCodecError(.unknownPacketType, "")) { try decoder.decode(buffer: &auth) }
    }

    @Test("an oversize packet is refused from its header, before the body arrives")
    func oversizeRefusedBeforeBuffering() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(MQTTDecoder(version: .v5, maximumPacketSize: 1024)))
        // A PUBLISH claiming 65,535 bytes: only its four header bytes are sent.
        do {
            try channel.writeInbound(ByteBuffer(hex: "30 FF FF 03"))
            Issue.record("the header alone was accepted")
        } catch let error as MQTTCodecError {
            #expect(error.code == .packetTooLarge)
            #expect(error.reasonCode == .packetTooLarge)
        }
        _ = try? channel.finish()
    }

    @Test("a packet exactly at the maximum size is accepted")
    func maximumSize() throws {
        var decoder = MQTTDecoder(version: .v311, maximumPacketSize: 9)
        var buffer = ByteBuffer(hex: "30 07 00 03 61 2F 62 68 69")
        #expect(try decoder.decode(buffer: &buffer) != nil)
        var tooBig = ByteBuffer(hex: "30 08 00 03 61 2F 62 68 69 21")
        #expect(throws: MQTTCodecError(.packetTooLarge, "")) { try decoder.decode(buffer: &tooBig) }
    }

    @Test("the encoder writes the version it was given, and learns it from an outgoing CONNECT")
    func encoder() throws {
        let encoder = MQTTEncoder(version: .v5)
        var out = ByteBuffer()
        encoder.encode(data: .pubAck(PubAck(packetIdentifier: 5, reasonCode: .noMatchingSubscribers)), out: &out)
        #expect(out.hexDump == "40 03 00 05 10")

        out.clear()
        encoder.encode(data: MQTTPacketVector.v311[0].packet, out: &out)
        #expect(encoder.version == .v311)
        out.clear()
        encoder.encode(data: .pubAck(PubAck(packetIdentifier: 5, reasonCode: .noMatchingSubscribers)), out: &out)
        #expect(out.hexDump == "40 02 00 05")
    }

    @Test("decoder and encoder round-trip through a channel")
    func channelRoundTrip() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(MQTTDecoder()))
        try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(MQTTEncoder(version: .v5)))
        try channel.writeInbound(MQTTPacketVector.v5[0].buffer)
        #expect(try channel.readInbound(as: MQTTPacket.self) == MQTTPacketVector.v5[0].packet)
        try channel.writeOutbound(MQTTPacket.connAck(ConnAck()))
        #expect(try channel.readOutbound(as: ByteBuffer.self)?.hexDump == "20 03 00 00 00")
        _ = try channel.finish()
    }
}
