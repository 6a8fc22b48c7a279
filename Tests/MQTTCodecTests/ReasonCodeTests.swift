import MQTTCodec
import Testing

@Suite("Codec errors map to the reason code to send")
struct ReasonCodeTests {
    static let mapping: [(MQTTCodecError.Code, UInt8)] = [
        (.malformedVariableByteInteger, 0x81),
        (.invalidFlags, 0x81),
        (.invalidUTF8, 0x81),
        (.malformedPacket, 0x81),
        (.unknownPacketType, 0x81),
        (.invalidProtocolName, 0x81),
        (.invalidProperty, 0x81),
        (.protocolViolation, 0x82),
        (.duplicateProperty, 0x82),
        (.unsupportedProtocolVersion, 0x84),
        (.packetTooLarge, 0x95),
        (.invalidTopic, 0x90),
    ]

    @Test("each code has its v5 reason code", arguments: mapping)
    func reasonCode(_ code: MQTTCodecError.Code, _ expected: UInt8) {
        #expect(MQTTCodecError(code, "").reasonCode.rawValue == expected)
    }

    @Test("every code is mapped")
    func complete() {
        #expect(Set(Self.mapping.map(\.0)) == Set(MQTTCodecError.Code.allCases))
    }

    @Test("only an unsupported protocol version gets a 3.1.1 CONNACK (0x01)")
    func connectReturnCode() {
        for code in MQTTCodecError.Code.allCases {
            let returnCode = MQTTCodecError(code, "").connectReturnCode
            #expect(returnCode == (code == .unsupportedProtocolVersion ? .unacceptableProtocolVersion : nil))
        }
    }

    @Test("3.1.1 return codes and v5 reason codes map both ways", arguments: ConnectReturnCode.allCases)
    func roundTrip(_ returnCode: ConnectReturnCode) {
        #expect(ReasonCode(returnCode).connectReturnCode == returnCode)
    }

    @Test("the error prints its code and rule")
    func description() {
        let error = MQTTCodecError(.malformedPacket, "[MQTT-3.1.2-3] the reserved CONNECT flag is 1")
        #expect("\(error)" == "MQTTCodecError.malformedPacket: [MQTT-3.1.2-3] the reserved CONNECT flag is 1")
        #expect(ReasonCode.packetTooLarge.description == "0x95")
    }
}
