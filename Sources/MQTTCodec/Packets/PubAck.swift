import NIOCore

/// PUBACK: acknowledges a QoS 1 PUBLISH.
///
/// In MQTT 5.0 the reason code and properties are left out on the wire when the code is Success and
/// there are no properties, as the spec allows (MQTT 5.0 §3.4.2.1).
public struct PubAck: PublishAcknowledgementPacket {
    static let packetType = PacketType.pubAck

    public var packetIdentifier: UInt16
    /// Always Success in 3.1.1, which has no reason codes here.
    public var reasonCode: ReasonCode
    /// MQTT 5.0 properties (Reason String, User Properties); empty in 3.1.1.
    public var properties: Properties

    public init(packetIdentifier: UInt16, reasonCode: ReasonCode = .success, properties: Properties = []) {
        self.packetIdentifier = packetIdentifier
        self.reasonCode = reasonCode
        self.properties = properties
    }
}
