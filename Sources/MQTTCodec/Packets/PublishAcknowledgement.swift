import NIOCore

/// The layout PUBACK, PUBREC, PUBREL and PUBCOMP share: a packet identifier, then in MQTT 5.0 an
/// optional reason code and optional properties (MQTT 5.0 §3.4.2.1: both may be left out).
///
/// Written once here so the four packet types differ only in their names.
struct PublishAcknowledgement {
    var packetIdentifier: UInt16
    var reasonCode: ReasonCode
    var properties: Properties

    static func decode(
        body: inout ByteBuffer,
        type: PacketType,
        version: ProtocolVersion
    ) throws(MQTTCodecError) -> Self {
        let packetIdentifier = try body.readMQTTUInt16("packet identifier")
        guard packetIdentifier != 0 else {
            throw .protocolViolation("[MQTT-2.3.1-1] the \(type) has packet identifier 0")
        }
        var reasonCode = ReasonCode.success
        var properties: Properties = []
        if version == .v5 && body.readableBytes > 0 {
            reasonCode = ReasonCode(rawValue: try body.readMQTTByte("reason code"))
            if body.readableBytes > 0 {
                properties = try Properties.read(from: &body, in: .packet(type))
            }
        }
        try body.expectFullyRead(type)
        return Self(packetIdentifier: packetIdentifier, reasonCode: reasonCode, properties: properties)
    }

    func encodeBody(into buffer: inout ByteBuffer, version: ProtocolVersion) {
        buffer.writeInteger(self.packetIdentifier)
        guard version == .v5, self.reasonCode != .success || !self.properties.isEmpty else {
            return
        }
        buffer.writeInteger(self.reasonCode.rawValue)
        if !self.properties.isEmpty {
            self.properties.write(to: &buffer)
        }
    }
}

/// PUBACK, PUBREC, PUBREL and PUBCOMP: the same fields and layout, decoded and encoded once here.
protocol PublishAcknowledgementPacket: Sendable, Hashable {
    static var packetType: PacketType { get }
    var packetIdentifier: UInt16 { get }
    var reasonCode: ReasonCode { get }
    var properties: Properties { get }
    init(packetIdentifier: UInt16, reasonCode: ReasonCode, properties: Properties)
}

extension PublishAcknowledgementPacket {
    static func decode(body: inout ByteBuffer, version: ProtocolVersion) throws(MQTTCodecError) -> Self {
        let fields = try PublishAcknowledgement.decode(body: &body, type: Self.packetType, version: version)
        return Self(packetIdentifier: fields.packetIdentifier, reasonCode: fields.reasonCode, properties: fields.properties)
    }

    func encodeBody(into buffer: inout ByteBuffer, version: ProtocolVersion) {
        PublishAcknowledgement(packetIdentifier: packetIdentifier, reasonCode: reasonCode, properties: properties)
            .encodeBody(into: &buffer, version: version)
    }
}
