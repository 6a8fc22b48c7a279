import NIOCore

/// CONNECT: the first packet a client sends, naming the protocol version, session and credentials.
///
/// Decoded without knowing the version in advance — the protocol level inside it is how a server
/// learns which version the rest of the connection speaks.
public struct Connect: Sendable, Hashable {
    public var protocolVersion: ProtocolVersion
    /// Clean Session (3.1.1) or Clean Start (5.0).
    public var cleanSession: Bool
    /// Seconds; 0 turns keep-alive off.
    public var keepAlive: UInt16
    /// May be empty (the server then assigns one, or refuses in 3.1.1 without a clean session).
    public var clientIdentifier: String
    public var will: Will?
    public var username: String?
    public var password: ByteBuffer?
    /// MQTT 5.0 CONNECT properties; empty in 3.1.1.
    public var properties: Properties

    public init(
        protocolVersion: ProtocolVersion,
        cleanSession: Bool = true,
        keepAlive: UInt16 = 60,
        clientIdentifier: String,
        will: Will? = nil,
        username: String? = nil,
        password: ByteBuffer? = nil,
        properties: Properties = []
    ) {
        self.protocolVersion = protocolVersion
        self.cleanSession = cleanSession
        self.keepAlive = keepAlive
        self.clientIdentifier = clientIdentifier
        self.will = will
        self.username = username
        self.password = password
        self.properties = properties
    }

    private enum Flag {
        static let username: UInt8 = 0x80
        static let password: UInt8 = 0x40
        static let willRetain: UInt8 = 0x20
        static let willQoSShift: UInt8 = 3
        static let will: UInt8 = 0x04
        static let cleanSession: UInt8 = 0x02
        static let reserved: UInt8 = 0x01
    }

    /// Decodes a CONNECT body (everything after the fixed header).
    static func decode(body: inout ByteBuffer) throws(MQTTCodecError) -> Connect {
        let name = try body.readMQTTString("protocol name")
        guard name == "MQTT" else {
            // The level that follows is peeked, not trusted: it only picks the version of the refusing CONNACK.
            throw MQTTCodecError(
                .invalidProtocolName,
                "[MQTT-3.1.2-1] the protocol name is \"\(name)\", not \"MQTT\"",
                protocolLevel: body.getInteger(at: body.readerIndex, as: UInt8.self)
            )
        }
        let level = try body.readMQTTByte("protocol level")
        guard let version = ProtocolVersion(rawValue: level) else {
            throw MQTTCodecError(
                .unsupportedProtocolVersion,
                "[MQTT-3.1.2-2] protocol level \(level) is not supported (4 is MQTT 3.1.1, 5 is MQTT 5.0)",
                protocolLevel: level
            )
        }
        let flags = try body.readMQTTByte("connect flags")
        if flags & Flag.reserved != 0 {
            throw .malformed("[MQTT-3.1.2-3] the reserved CONNECT flag is 1")
        }
        let hasWill = flags & Flag.will != 0
        let willQoSBits = (flags >> Flag.willQoSShift) & 0b11
        let willRetain = flags & Flag.willRetain != 0
        if !hasWill && (willQoSBits != 0 || willRetain) {
            throw .malformed("[MQTT-3.1.2-11] the Will Flag is 0 but Will QoS or Will Retain is set")
        }
        guard let willQoS = QoS(rawValue: willQoSBits) else {
            throw .malformed("[MQTT-3.1.2-14] the Will QoS is 3")
        }
        let hasUsername = flags & Flag.username != 0
        let hasPassword = flags & Flag.password != 0
        if version == .v311 && hasPassword && !hasUsername {
            throw .malformed("[MQTT-3.1.2-22] the Password Flag is 1 but the User Name Flag is 0")
        }
        let keepAlive = try body.readMQTTUInt16("keep alive")
        let properties: Properties =
            version == .v5 ? try Properties.read(from: &body, in: .packet(.connect)) : []

        let clientIdentifier = try body.readMQTTString("client identifier")
        var will: Will?
        if hasWill {
            let willProperties: Properties = version == .v5 ? try Properties.read(from: &body, in: .will) : []
            let topic = try body.readMQTTString("will topic")
            _ = try TopicName(topic)
            let payload = try body.readMQTTBinary("will payload")
            will = Will(topic: topic, payload: payload, qos: willQoS, retain: willRetain, properties: willProperties)
        }
        let username = hasUsername ? try body.readMQTTString("user name") : nil
        let password = hasPassword ? try body.readMQTTBinary("password") : nil
        try body.expectFullyRead(.connect)
        return Connect(
            protocolVersion: version,
            cleanSession: flags & Flag.cleanSession != 0,
            keepAlive: keepAlive,
            clientIdentifier: clientIdentifier,
            will: will,
            username: username,
            password: password,
            properties: properties
        )
    }

    /// Encodes the body; the version is the packet's own.
    func encodeBody(into buffer: inout ByteBuffer) {
        buffer.writeMQTTString("MQTT")
        buffer.writeInteger(self.protocolVersion.rawValue)
        var flags: UInt8 = 0
        if self.username != nil { flags |= Flag.username }
        if self.password != nil { flags |= Flag.password }
        if let will = self.will {
            flags |= Flag.will | will.qos.rawValue << Flag.willQoSShift
            if will.retain { flags |= Flag.willRetain }
        }
        if self.cleanSession { flags |= Flag.cleanSession }
        buffer.writeInteger(flags)
        buffer.writeInteger(self.keepAlive)
        let isV5 = self.protocolVersion == .v5
        if isV5 { self.properties.write(to: &buffer) }
        buffer.writeMQTTString(self.clientIdentifier)
        if let will = self.will {
            if isV5 { will.properties.write(to: &buffer) }
            buffer.writeMQTTString(will.topic)
            buffer.writeMQTTBinary(will.payload)
        }
        if let username = self.username { buffer.writeMQTTString(username) }
        if let password = self.password { buffer.writeMQTTBinary(password) }
    }
}
