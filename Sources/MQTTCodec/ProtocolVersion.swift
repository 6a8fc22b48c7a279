/// The MQTT protocol level a connection speaks, as sent in CONNECT.
///
/// Most packets are laid out differently in 5.0 (reason codes, properties), so every encode and decode
/// takes the version the connection agreed on.
public enum ProtocolVersion: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// MQTT 3.1.1 (protocol level 4).
    case v311 = 4
    /// MQTT 5.0 (protocol level 5).
    case v5 = 5

    public var description: String {
        switch self {
        case .v311: "MQTT 3.1.1"
        case .v5: "MQTT 5.0"
        }
    }
}
