import NIOCore

/// UNSUBACK: confirms an UNSUBSCRIBE; in MQTT 5.0 with one reason code per filter.
public struct UnsubAck: Sendable, Hashable {
    public var packetIdentifier: UInt16
    /// MQTT 5.0 only; always empty in 3.1.1, whose UNSUBACK carries just the identifier.
    public var reasonCodes: [ReasonCode]
    /// MQTT 5.0 properties; empty in 3.1.1.
    public var properties: Properties

    public init(packetIdentifier: UInt16, reasonCodes: [ReasonCode] = [], properties: Properties = []) {
        self.packetIdentifier = packetIdentifier
        self.reasonCodes = reasonCodes
        self.properties = properties
    }

    static func decode(body: inout ByteBuffer, version: ProtocolVersion) throws(MQTTCodecError) -> UnsubAck {
        let packetIdentifier = try body.readMQTTUInt16("packet identifier")
        var properties: Properties = []
        var codes: [ReasonCode] = []
        if version == .v5 {
            properties = try Properties.read(from: &body, in: .packet(.unsubAck))
            while let byte = body.readInteger(as: UInt8.self) {
                codes.append(ReasonCode(rawValue: byte))
            }
        }
        try body.expectFullyRead(.unsubAck)
        return UnsubAck(packetIdentifier: packetIdentifier, reasonCodes: codes, properties: properties)
    }

    func encodeBody(into buffer: inout ByteBuffer, version: ProtocolVersion) {
        buffer.writeInteger(self.packetIdentifier)
        guard version == .v5 else { return }
        self.properties.write(to: &buffer)
        for code in self.reasonCodes {
            buffer.writeInteger(code.rawValue)
        }
    }
}
