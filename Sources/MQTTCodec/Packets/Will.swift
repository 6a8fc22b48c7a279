import NIOCore

/// The message a CONNECT asks the server to publish if the connection ends abnormally.
public struct Will: Sendable, Hashable {
    /// Where the will is published; a topic name, so no wildcards.
    public var topic: String
    /// The message body.
    public var payload: ByteBuffer
    public var qos: QoS
    public var retain: Bool
    /// MQTT 5.0 will properties (Will Delay Interval, Message Expiry, …); empty in 3.1.1.
    public var properties: Properties

    public init(
        topic: String,
        payload: ByteBuffer,
        qos: QoS = .atMostOnce,
        retain: Bool = false,
        properties: Properties = []
    ) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.properties = properties
    }
}
