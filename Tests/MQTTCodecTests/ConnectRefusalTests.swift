import MQTTCodec
import NIOCore
import Testing

@Suite("A refused CONNECT carries the protocol level it announced")
struct ConnectRefusalTests {
    @Test("The level is peeked after a bad protocol name, and kept with an unsupported level", arguments: [
        // "MQTX" at level 5: an MQTT 5 client with a bad name, which a server answers in MQTT 5.
        ("10 0D 00 04 4D 51 54 58 05 02 00 3C 00 00 00", MQTTCodecError.Code.invalidProtocolName, UInt8?.some(5)),
        // MQTT 3.1's "MQIsdp" at level 3.
        ("10 0E 00 06 4D 51 49 73 64 70 03 02 00 3C 00 00", .invalidProtocolName, 3),
        // "MQTT" at level 6.
        ("10 0C 00 04 4D 51 54 54 06 02 00 3C 00 00", .unsupportedProtocolVersion, 6),
        // A bad name and nothing after it: no level to peek.
        ("10 06 00 04 4D 51 54 58", .invalidProtocolName, nil),
    ])
    func protocolLevel(hex: String, code: MQTTCodecError.Code, level: UInt8?) {
        var decoder = MQTTDecoder()
        var buffer = ByteBuffer(hex: hex)
        do {
            let packet = try decoder.decode(buffer: &buffer)
            Issue.record("decoded \(String(describing: packet)) instead of failing")
        } catch {
            #expect(error.code == code)
            #expect(error.protocolLevel == level)
            #expect(decoder.version == nil, "a refused CONNECT teaches the decoder no version")
        }
    }

    @Test("Errors about anything else carry no protocol level")
    func otherErrors() {
        // "MQTT" at level 4 with the reserved CONNECT flag set.
        var buffer = ByteBuffer(hex: "10 0C 00 04 4D 51 54 54 04 03 00 3C 00 00")
        var decoder = MQTTDecoder()
        do {
            let packet = try decoder.decode(buffer: &buffer)
            Issue.record("decoded \(String(describing: packet)) instead of failing")
        } catch {
            #expect(error.code == .malformedPacket)
            #expect(error.protocolLevel == nil)
        }
    }
}
