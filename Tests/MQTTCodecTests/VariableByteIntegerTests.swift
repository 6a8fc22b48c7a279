import MQTTCodec
import NIOCore
import Testing

@Suite("Variable Byte Integer")
struct VariableByteIntegerTests {
    /// The boundaries from the table in MQTT 5.0 §1.5.5 (3.1.1 §2.2.3).
    static let boundaryValues: [(Int, String)] = [
        (0, "00"), (127, "7F"),
        (128, "80 01"), (16_383, "FF 7F"),
        (16_384, "80 80 01"), (2_097_151, "FF FF 7F"),
        (2_097_152, "80 80 80 01"), (268_435_455, "FF FF FF 7F"),
    ]

    @Test("the spec's boundary values encode and decode", arguments: boundaryValues)
    func boundaries(_ value: Int, _ hex: String) throws {
        var buffer = ByteBuffer()
        let written = VariableByteInteger.write(value, to: &buffer)
        #expect(buffer.hexDump == hex)
        #expect(written == VariableByteInteger.size(of: value))
        #expect(try VariableByteInteger.read(from: &buffer) == value)
        #expect(buffer.readableBytes == 0)
    }

    @Test("a value cut short needs more bytes and consumes nothing")
    func incomplete() throws {
        var buffer = ByteBuffer(hex: "FF FF")
        #expect(try VariableByteInteger.read(from: &buffer) == nil)
        #expect(buffer.readableBytes == 2)
    }

    @Test("a fifth byte is malformed")
    func fiveBytes() {
        var buffer = ByteBuffer(hex: "80 80 80 80 01")
        #expect(throws: MQTTCodecError(.malformedVariableByteInteger, "")) {
            try VariableByteInteger.read(from: &buffer)
        }
    }

    @Test("a longer-than-needed encoding is malformed")
    func nonMinimal() {
        var buffer = ByteBuffer(hex: "FF 80 00")
        #expect(throws: MQTTCodecError(.malformedVariableByteInteger, "")) {
            try VariableByteInteger.read(from: &buffer)
        }
    }
}
