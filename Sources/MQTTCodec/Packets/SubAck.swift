import NIOCore

/// SUBACK: one code per requested filter, in the same order.
///
/// 3.1.1's return codes (0x00–0x02 granted QoS, 0x80 failure) are the same bytes as the v5 reason
/// codes, so both versions use ``ReasonCode``.
public struct SubAck: Sendable, Hashable {
    public var packetIdentifier: UInt16
    public var reasonCodes: [ReasonCode]
    /// MQTT 5.0 properties; empty in 3.1.1.
    public var properties: Properties

    public init(packetIdentifier: UInt16, reasonCodes: [ReasonCode], properties: Properties = []) {
        self.packetIdentifier = packetIdentifier
        self.reasonCodes = reasonCodes
        self.properties = properties
    }

    static func decode(body: inout ByteBuffer, version: ProtocolVersion) throws(MQTTCodecError) -> SubAck {
        let packetIdentifier = try body.readMQTTUInt16("packet identifier")
        let properties: Properties = version == .v5 ? try Properties.read(from: &body, in: .packet(.subAck)) : []
        var codes: [ReasonCode] = []
        while let byte = body.readInteger(as: UInt8.self) {
            if version == .v311 && byte > 0x02 && byte != 0x80 {
                throw .protocolViolation("[MQTT-3.9.3-2] SUBACK return code \(byte) is reserved")
            }
            codes.append(ReasonCode(rawValue: byte))
        }
        return SubAck(packetIdentifier: packetIdentifier, reasonCodes: codes, properties: properties)
    }

    func encodeBody(into buffer: inout ByteBuffer, version: ProtocolVersion) {
        buffer.writeInteger(self.packetIdentifier)
        if version == .v5 { self.properties.write(to: &buffer) }
        for code in self.reasonCodes {
            buffer.writeInteger(code.rawValue)
        }
    }
}
