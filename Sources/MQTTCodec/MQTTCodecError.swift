/// A packet that could not be decoded, with the spec rule it broke.
///
/// Equal by ``code`` only, as swift-certificates' `CertificateError` is: tests and the broker switch on
/// the code, while the ``message`` names the normative statement (e.g. `[MQTT-3.1.2-3]`) for people.
/// The reason code or return code to answer with comes from one mapping in `ReasonCode.swift`.
public struct MQTTCodecError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable identifier for the kind of problem.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// A Variable Byte Integer longer than four bytes or not in its shortest form.
        case malformedVariableByteInteger = "malformed_variable_byte_integer"
        /// Fixed-header flags that the packet type does not allow.
        case invalidFlags = "invalid_flags"
        /// A UTF-8 string that is not well-formed UTF-8 or holds U+0000.
        case invalidUTF8 = "invalid_utf8"
        /// The packet is larger than the maximum packet size.
        case packetTooLarge = "packet_too_large"
        /// The bytes are well-formed but break a rule of the protocol.
        case protocolViolation = "protocol_violation"
        /// The packet is shorter or longer than its own lengths say, or a field has an impossible value.
        case malformedPacket = "malformed_packet"
        /// A packet type that is reserved (0, or 15 before MQTT 5.0).
        case unknownPacketType = "unknown_packet_type"
        /// A CONNECT whose protocol name is not "MQTT".
        case invalidProtocolName = "invalid_protocol_name"
        /// A CONNECT with a protocol level other than 4 (3.1.1) or 5 (5.0).
        case unsupportedProtocolVersion = "unsupported_protocol_version"
        /// A v5 property given twice where the spec allows it once.
        case duplicateProperty = "duplicate_property"
        /// A v5 property identifier that does not exist or is not allowed in this packet.
        case invalidProperty = "invalid_property"
        /// A topic name or filter that breaks the topic rules (wildcards, empty, too long).
        case invalidTopic = "invalid_topic"
    }

    /// What kind of problem it is.
    public var code: Code
    /// What is wrong, naming the spec rule where there is one.
    public var message: String
    /// The protocol level byte of a CONNECT refused for its protocol name or level, when the packet holds one:
    /// it tells a server in which version to answer (an MQTT 5 client with a bad name still reads a v5 CONNACK).
    public var protocolLevel: UInt8?

    /// Creates an error with a code, a sentence and, for a refused CONNECT, the protocol level it announced.
    public init(_ code: Code, _ message: String, protocolLevel: UInt8? = nil) {
        self.code = code
        self.message = message
        self.protocolLevel = protocolLevel
    }

    public var description: String {
        "MQTTCodecError.\(self.code): \(self.message)"
    }

    public static func == (lhs: MQTTCodecError, rhs: MQTTCodecError) -> Bool {
        lhs.code == rhs.code
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.code)
    }
}

extension MQTTCodecError {
    static func malformed(_ message: String) -> MQTTCodecError {
        MQTTCodecError(.malformedPacket, message)
    }

    static func protocolViolation(_ message: String) -> MQTTCodecError {
        MQTTCodecError(.protocolViolation, message)
    }

    static func truncated(_ what: String) -> MQTTCodecError {
        MQTTCodecError(.malformedPacket, "the packet ends inside its \(what)")
    }

    static func invalidFlags(_ message: String) -> MQTTCodecError {
        MQTTCodecError(.invalidFlags, message)
    }
}
