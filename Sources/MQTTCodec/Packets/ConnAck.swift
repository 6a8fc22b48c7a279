import NIOCore

/// CONNACK: the server's answer to CONNECT.
///
/// One ``reasonCode`` for both versions: in 3.1.1 it is written as the matching return code
/// (``ReasonCode/connectReturnCode``), so the broker decides in v5 terms once.
public struct ConnAck: Sendable, Hashable {
    public var sessionPresent: Bool
    /// In 3.1.1, a code without a return code is sent as Server Unavailable (0x03).
    public var reasonCode: ReasonCode
    /// MQTT 5.0 CONNACK properties; empty in 3.1.1.
    public var properties: Properties

    public init(sessionPresent: Bool = false, reasonCode: ReasonCode = .success, properties: Properties = []) {
        self.sessionPresent = sessionPresent
        self.reasonCode = reasonCode
        self.properties = properties
    }

    static func decode(body: inout ByteBuffer, version: ProtocolVersion) throws(MQTTCodecError) -> ConnAck {
        let flags = try body.readMQTTByte("acknowledge flags")
        if flags & 0xFE != 0 {
            throw .malformed("[MQTT-3.2.2-1] the reserved CONNACK acknowledge flags are not 0")
        }
        let code = try body.readMQTTByte("return code")
        let reasonCode: ReasonCode
        var properties: Properties = []
        switch version {
        case .v311:
            guard let returnCode = ConnectReturnCode(rawValue: code) else {
                throw .protocolViolation("[MQTT-3.2.2.3] CONNACK return code \(code) is reserved")
            }
            reasonCode = ReasonCode(returnCode)
        case .v5:
            reasonCode = ReasonCode(rawValue: code)
            properties = try Properties.read(from: &body, in: .packet(.connAck))
        }
        if flags != 0 && reasonCode != .success {
            throw .protocolViolation("[MQTT-3.2.2-4] a refusing CONNACK has Session Present set")
        }
        try body.expectFullyRead(.connAck)
        return ConnAck(sessionPresent: flags != 0, reasonCode: reasonCode, properties: properties)
    }

    func encodeBody(into buffer: inout ByteBuffer, version: ProtocolVersion) {
        buffer.writeInteger(UInt8(self.sessionPresent ? 1 : 0))
        switch version {
        case .v311:
            buffer.writeInteger((self.reasonCode.connectReturnCode ?? .serverUnavailable).rawValue)
        case .v5:
            buffer.writeInteger(self.reasonCode.rawValue)
            self.properties.write(to: &buffer)
        }
    }
}
