import NIOCore

/// AUTH: an MQTT 5.0 extended-authentication exchange step; it does not exist in 3.1.1.
///
/// Left out on the wire like DISCONNECT: no body means Success with no properties (MQTT 5.0 §3.15.2.1).
public struct Auth: Sendable, Hashable {
    /// Success (0x00), Continue Authentication (0x18) or Re-authenticate (0x19).
    public var reasonCode: ReasonCode
    /// Authentication Method and Data, Reason String, User Properties.
    public var properties: Properties

    public init(reasonCode: ReasonCode = .success, properties: Properties = []) {
        self.reasonCode = reasonCode
        self.properties = properties
    }

    static func decode(body: inout ByteBuffer) throws(MQTTCodecError) -> Auth {
        var auth = Auth()
        if body.readableBytes > 0 {
            let code = ReasonCode(rawValue: try body.readMQTTByte("reason code"))
            guard [ReasonCode.success, .continueAuthentication, .reAuthenticate].contains(code) else {
                throw .malformed("[MQTT-3.15.2-1] AUTH reason code \(code) is not 0x00, 0x18 or 0x19")
            }
            auth.reasonCode = code
            if body.readableBytes > 0 {
                auth.properties = try Properties.read(from: &body, in: .packet(.auth))
            }
        }
        try body.expectFullyRead(.auth)
        return auth
    }

    func encodeBody(into buffer: inout ByteBuffer) {
        guard self.reasonCode != .success || !self.properties.isEmpty else {
            return
        }
        buffer.writeInteger(self.reasonCode.rawValue)
        if !self.properties.isEmpty {
            self.properties.write(to: &buffer)
        }
    }
}
