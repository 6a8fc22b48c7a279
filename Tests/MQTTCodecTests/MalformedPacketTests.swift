import MQTTCodec
import NIOCore
import Testing

/// A packet that breaks one spec rule, the error code it must produce, and a phrase of the message.
struct MalformedVector: Sendable, CustomTestStringConvertible {
    var name: String
    var version: ProtocolVersion
    var hex: String
    var code: MQTTCodecError.Code
    var rule: String

    var testDescription: String { "\(self.version) \(self.name)" }

    static let all: [MalformedVector] = [
        .init(
            name: "reserved CONNECT flag",
            version: .v311,
            hex: "10 0C 00 04 4D 51 54 54 04 03 00 3C 00 00",
            code: .malformedPacket,
            rule: "[MQTT-3.1.2-3] the reserved CONNECT flag is 1"
        ),
        .init(
            name: "protocol name MQIsdp",
            version: .v311,
            hex: "10 0E 00 06 4D 51 49 73 64 70 03 02 00 3C 00 00",
            code: .invalidProtocolName,
            rule: "[MQTT-3.1.2-1]"
        ),
        .init(
            name: "protocol level 6",
            version: .v311,
            hex: "10 0C 00 04 4D 51 54 54 06 02 00 3C 00 00",
            code: .unsupportedProtocolVersion,
            rule: "[MQTT-3.1.2-2]"
        ),
        .init(
            name: "will QoS 3",
            version: .v311,
            hex: "10 0C 00 04 4D 51 54 54 04 1E 00 3C 00 00",
            code: .malformedPacket,
            rule: "[MQTT-3.1.2-14]"
        ),
        .init(
            name: "will QoS without will flag",
            version: .v311,
            hex: "10 0C 00 04 4D 51 54 54 04 0A 00 3C 00 00",
            code: .malformedPacket,
            rule: "[MQTT-3.1.2-11]"
        ),
        .init(
            name: "will retain without will flag",
            version: .v5,
            hex: "10 0D 00 04 4D 51 54 54 05 22 00 3C 00 00 00",
            code: .malformedPacket,
            rule: "[MQTT-3.1.2-11]"
        ),
        .init(
            name: "password without user name",
            version: .v311,
            hex: "10 0F 00 04 4D 51 54 54 04 42 00 3C 00 00 00 01 70",
            code: .malformedPacket,
            rule: "[MQTT-3.1.2-22]"
        ),
        .init(
            name: "CONNECT with a byte after its last field",
            version: .v311,
            hex: "10 0D 00 04 4D 51 54 54 04 02 00 3C 00 00 FF",
            code: .malformedPacket,
            rule: "after its last field"
        ),
        .init(
            name: "CONNECT cut short",
            version: .v311,
            hex: "10 08 00 04 4D 51 54 54 04 02",
            code: .malformedPacket,
            rule: "ends inside"
        ),
        .init(
            name: "PUBREL flags 0000",
            version: .v311,
            hex: "60 02 00 01",
            code: .invalidFlags,
            rule: "[MQTT-2.2.2-2] PUBREL"
        ),
        .init(
            name: "SUBSCRIBE flags 0000",
            version: .v311,
            hex: "80 06 00 01 00 01 61 00",
            code: .invalidFlags,
            rule: "SUBSCRIBE must have fixed-header flags 0b0010, not 0b0000"
        ),
        .init(
            name: "UNSUBSCRIBE flags 0011",
            version: .v5,
            hex: "A3 06 00 02 00 00 01 61",
            code: .invalidFlags,
            rule: "UNSUBSCRIBE"
        ),
        .init(name: "PINGREQ flags 0001", version: .v311, hex: "C1 00", code: .invalidFlags, rule: "PINGREQ"),
        .init(name: "CONNECT flags 0001", version: .v5, hex: "11 00", code: .invalidFlags, rule: "CONNECT"),
        .init(
            name: "PUBLISH QoS 3",
            version: .v311,
            hex: "36 05 00 01 74 00 01",
            code: .invalidFlags,
            rule: "[MQTT-3.3.1-4]"
        ),
        .init(
            name: "PUBLISH DUP at QoS 0",
            version: .v311,
            hex: "38 03 00 01 74",
            code: .invalidFlags,
            rule: "[MQTT-3.3.1-2]"
        ),
        .init(name: "packet type 0", version: .v311, hex: "00 00", code: .unknownPacketType, rule: "reserved"),
        .init(name: "AUTH", version: .v311, hex: "F0 00", code: .unknownPacketType, rule: "in MQTT 3.1.1"),
        .init(
            name: "five-byte remaining length",
            version: .v311,
            hex: "30 FF FF FF FF 7F",
            code: .malformedVariableByteInteger,
            rule: "fourth byte"
        ),
        .init(
            name: "non-minimal remaining length",
            version: .v311,
            hex: "C0 80 00",
            code: .malformedVariableByteInteger,
            rule: "[MQTT-1.5.5-1]"
        ),
        .init(
            name: "ill-formed UTF-8 topic",
            version: .v311,
            hex: "30 04 00 02 C3 28",
            code: .invalidUTF8,
            rule: "[MQTT-1.5.3-1]"
        ),
        .init(
            name: "UTF-16 surrogate in topic",
            version: .v311,
            hex: "30 05 00 03 ED A0 80",
            code: .invalidUTF8,
            rule: "[MQTT-1.5.3-1]"
        ),
        .init(
            name: "U+0000 in topic",
            version: .v311,
            hex: "30 04 00 02 61 00",
            code: .invalidUTF8,
            rule: "[MQTT-1.5.3-2]"
        ),
        .init(
            name: "U+0000 in client identifier",
            version: .v311,
            hex: "10 0D 00 04 4D 51 54 54 04 02 00 3C 00 01 00",
            code: .invalidUTF8,
            rule: "client identifier"
        ),
        .init(
            name: "wildcard in PUBLISH topic",
            version: .v311,
            hex: "30 05 00 03 61 2F 2B",
            code: .invalidTopic,
            rule: "[MQTT-3.3.2-2]"
        ),
        .init(
            name: "empty PUBLISH topic without alias",
            version: .v5,
            hex: "30 03 00 00 00",
            code: .invalidTopic,
            rule: "[MQTT-4.7.3-1]"
        ),
        .init(
            name: "QoS 1 PUBLISH with packet identifier 0",
            version: .v311,
            hex: "32 05 00 01 74 00 00",
            code: .protocolViolation,
            rule: "[MQTT-2.3.1-1]"
        ),
        .init(
            name: "SUBSCRIBE without a filter",
            version: .v311,
            hex: "82 02 00 01",
            code: .protocolViolation,
            rule: "[MQTT-3.8.3-3]"
        ),
        .init(
            name: "SUBSCRIBE reserved QoS bits",
            version: .v311,
            hex: "82 06 00 01 00 01 61 04",
            code: .malformedPacket,
            rule: "reserved bits"
        ),
        .init(
            name: "SUBSCRIBE reserved option bits",
            version: .v5,
            hex: "82 07 00 01 00 00 01 61 C0",
            code: .malformedPacket,
            rule: "[MQTT-3.8.3-5]"
        ),
        .init(
            name: "SUBSCRIBE QoS 3",
            version: .v5,
            hex: "82 07 00 01 00 00 01 61 03",
            code: .malformedPacket,
            rule: "QoS 3"
        ),
        .init(
            name: "SUBSCRIBE Retain Handling 3",
            version: .v5,
            hex: "82 07 00 01 00 00 01 61 30",
            code: .protocolViolation,
            rule: "Retain Handling is 3"
        ),
        .init(
            name: "UNSUBSCRIBE without a filter",
            version: .v5,
            hex: "A2 03 00 02 00",
            code: .protocolViolation,
            rule: "[MQTT-3.10.3-2]"
        ),
        .init(
            name: "PINGREQ with a body",
            version: .v311,
            hex: "C0 01 00",
            code: .malformedPacket,
            rule: "after its last field"
        ),
        .init(
            name: "PUBACK with a reason code",
            version: .v311,
            hex: "40 03 00 01 00",
            code: .malformedPacket,
            rule: "after its last field"
        ),
        .init(
            name: "DISCONNECT with a body",
            version: .v311,
            hex: "E0 01 00",
            code: .malformedPacket,
            rule: "after its last field"
        ),
        .init(
            name: "CONNACK reserved return code",
            version: .v311,
            hex: "20 02 00 06",
            code: .protocolViolation,
            rule: "reserved"
        ),
        .init(
            name: "CONNACK reserved acknowledge flags",
            version: .v311,
            hex: "20 02 02 00",
            code: .malformedPacket,
            rule: "[MQTT-3.2.2-1]"
        ),
        .init(
            name: "refusing CONNACK with Session Present",
            version: .v311,
            hex: "20 02 01 05",
            code: .protocolViolation,
            rule: "[MQTT-3.2.2-4]"
        ),
        .init(
            name: "two Topic Aliases",
            version: .v5,
            hex: "30 0A 00 01 74 06 23 00 01 23 00 02",
            code: .duplicateProperty,
            rule: "more than once"
        ),
        .init(
            name: "two Session Expiry Intervals in CONNECT",
            version: .v5,
            hex: "10 17 00 04 4D 51 54 54 05 02 00 3C 0A 11 00 00 00 01 11 00 00 00 02 00 00",
            code: .duplicateProperty,
            rule: "0x11"
        ),
        .init(
            name: "Session Expiry Interval in PUBLISH",
            version: .v5,
            hex: "30 09 00 01 74 05 11 00 00 00 01",
            code: .invalidProperty,
            rule: "not allowed in a PUBLISH"
        ),
        .init(
            name: "unknown property identifier",
            version: .v5,
            hex: "30 06 00 01 74 02 7F 00",
            code: .invalidProperty,
            rule: "not an MQTT 5.0 property"
        ),
        .init(
            name: "property block longer than the packet",
            version: .v5,
            hex: "30 05 00 01 74 09 23",
            code: .malformedPacket,
            rule: "ends inside"
        ),
        .init(
            name: "Topic Alias 0",
            version: .v5,
            hex: "30 07 00 01 74 03 23 00 00",
            code: .protocolViolation,
            rule: "[MQTT-3.3.2-8] the Topic Alias property is 0"
        ),
        .init(
            name: "Receive Maximum 0",
            version: .v5,
            hex: "20 06 00 00 03 21 00 00",
            code: .protocolViolation,
            rule: "Receive Maximum"
        ),
        .init(
            name: "Maximum QoS 2",
            version: .v5,
            hex: "20 05 00 00 02 24 02",
            code: .protocolViolation,
            rule: "Maximum QoS"
        ),
        .init(
            name: "Payload Format Indicator 2",
            version: .v5,
            hex: "30 06 00 01 74 02 01 02",
            code: .protocolViolation,
            rule: "must be 0 or 1"
        ),
        .init(
            name: "Subscription Identifier 0",
            version: .v5,
            hex: "82 09 00 01 02 0B 00 00 01 61 00",
            code: .protocolViolation,
            rule: "[MQTT-3.8.2.1.2]"
        ),
        .init(
            name: "AUTH reason code 0x87",
            version: .v5,
            hex: "F0 01 87",
            code: .malformedPacket,
            rule: "AUTH reason code"
        ),
    ]
}

@Suite("Malformed packets are refused with a specific error")
struct MalformedPacketTests {
    @Test("the packet is refused with its error code and rule", arguments: MalformedVector.all)
    func refused(_ vector: MalformedVector) {
        var buffer = ByteBuffer(hex: vector.hex)
        do {
            let packet = try MQTTPacket.decode(from: &buffer, version: vector.version)
            Issue.record("decoded \(String(describing: packet)) instead of failing")
        } catch {
            #expect(error.code == vector.code)
            #expect(error.message.contains(vector.rule), "message: \(error.message)")
        }
    }

    @Test("two User Properties are allowed")
    func repeatedUserProperties() throws {
        var buffer = ByteBuffer(hex: "30 12 00 01 74 0E 26 00 01 6B 00 01 31 26 00 01 6B 00 01 32")
        let packet = try MQTTPacket.decode(from: &buffer, version: .v5)
        guard case .publish(let publish) = packet else {
            Issue.record("not a PUBLISH: \(String(describing: packet))")
            return
        }
        #expect(publish.properties.userProperties.map(\.value) == ["1", "2"])
    }

    @Test("two Subscription Identifiers are allowed in a PUBLISH")
    func repeatedSubscriptionIdentifiers() throws {
        var buffer = ByteBuffer(hex: "30 08 00 01 74 04 0B 01 0B 02")
        let packet = try MQTTPacket.decode(from: &buffer, version: .v5)
        #expect(
            packet
                == .publish(Publish(topic: "t", properties: [.subscriptionIdentifier(1), .subscriptionIdentifier(2)]))
        )
    }
}
