import NIOCore

/// DISCONNECT: the last packet of a clean close, and in MQTT 5.0 the server's way of saying why.
///
/// In 3.1.1 it has no body; in 5.0 the reason code and properties are left out when the reason is
/// Normal Disconnection and there are no properties (MQTT 5.0 §3.14.2.1).
public struct Disconnect: Sendable, Hashable {
    public var reasonCode: ReasonCode
    /// MQTT 5.0 properties (Session Expiry Interval, Reason String, Server Reference); empty in 3.1.1.
    public var properties: Properties

    public init(reasonCode: ReasonCode = .normalDisconnection, properties: Properties = []) {
        self.reasonCode = reasonCode
        self.properties = properties
    }

    static func decode(body: inout ByteBuffer, version: ProtocolVersion) throws(MQTTCodecError) -> Disconnect {
        var disconnect = Disconnect()
        if version == .v5 && body.readableBytes > 0 {
            disconnect.reasonCode = ReasonCode(rawValue: try body.readMQTTByte("reason code"))
            if body.readableBytes > 0 {
                disconnect.properties = try Properties.read(from: &body, in: .packet(.disconnect))
            }
        }
        try body.expectFullyRead(.disconnect)
        return disconnect
    }

    func encodeBody(into buffer: inout ByteBuffer, version: ProtocolVersion) {
        guard version == .v5, self.reasonCode != .normalDisconnection || !self.properties.isEmpty else {
            return
        }
        buffer.writeInteger(self.reasonCode.rawValue)
        if !self.properties.isEmpty {
            self.properties.write(to: &buffer)
        }
    }
}
