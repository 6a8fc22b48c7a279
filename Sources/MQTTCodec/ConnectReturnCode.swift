/// The MQTT 3.1.1 CONNACK return code (MQTT 3.1.1 §3.2.2.3).
///
/// 3.1.1 has only these six answers; ``ReasonCode/connectReturnCode`` maps the richer v5 codes onto
/// them so the broker decides once and the codec speaks both versions.
public enum ConnectReturnCode: UInt8, Sendable, Hashable, CaseIterable {
    case accepted = 0x00
    case unacceptableProtocolVersion = 0x01
    case identifierRejected = 0x02
    case serverUnavailable = 0x03
    case badUserNameOrPassword = 0x04
    case notAuthorized = 0x05
}
