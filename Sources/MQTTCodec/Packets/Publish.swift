import NIOCore

/// PUBLISH: an application message, in either direction.
///
/// The topic is kept as a string because in MQTT 5.0 it may be empty when a Topic Alias stands in for
/// it; decoding still refuses wildcards and an empty topic without an alias.
public struct Publish: Sendable, Hashable {
    public var topic: String
    /// Present exactly when ``qos`` is above 0 ([MQTT-2.3.1-5]).
    public var packetIdentifier: UInt16?
    public var payload: ByteBuffer
    public var qos: QoS
    public var retain: Bool
    public var duplicate: Bool
    /// MQTT 5.0 PUBLISH properties; empty in 3.1.1.
    public var properties: Properties

    public init(
        topic: String,
        payload: ByteBuffer = ByteBuffer(),
        qos: QoS = .atMostOnce,
        packetIdentifier: UInt16? = nil,
        retain: Bool = false,
        duplicate: Bool = false,
        properties: Properties = []
    ) {
        self.topic = topic
        self.packetIdentifier = packetIdentifier
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.duplicate = duplicate
        self.properties = properties
    }

    var flags: UInt8 {
        (self.duplicate ? 0b1000 : 0) | self.qos.rawValue << 1 | (self.retain ? 1 : 0)
    }

    static func decode(body: inout ByteBuffer, flags: UInt8, version: ProtocolVersion) throws(MQTTCodecError) -> Publish
    {
        // FixedHeader has already refused QoS 3 and DUP at QoS 0.
        let qos = QoS(rawValue: (flags >> 1) & 0b11) ?? .atMostOnce
        let topic = try body.readMQTTString("topic name")
        var packetIdentifier: UInt16?
        if qos != .atMostOnce {
            let identifier = try body.readMQTTUInt16("packet identifier")
            guard identifier != 0 else {
                throw .protocolViolation("[MQTT-2.3.1-1] a QoS \(qos.rawValue) PUBLISH has packet identifier 0")
            }
            packetIdentifier = identifier
        }
        let properties: Properties =
            version == .v5 ? try Properties.read(from: &body, in: .packet(.publish)) : []
        if topic.isEmpty && version == .v5 && properties.topicAlias != nil {
            // An empty topic with a Topic Alias: the alias names the topic (MQTT 5.0 §3.3.2.3.4).
        } else {
            _ = try TopicName(topic)
        }
        let payload = body.readSlice(length: body.readableBytes) ?? ByteBuffer()
        return Publish(
            topic: topic,
            payload: payload,
            qos: qos,
            packetIdentifier: packetIdentifier,
            retain: flags & 1 != 0,
            duplicate: flags & 0b1000 != 0,
            properties: properties
        )
    }

    func encodeBody(into buffer: inout ByteBuffer, version: ProtocolVersion) {
        buffer.writeMQTTString(self.topic)
        if self.qos != .atMostOnce {
            precondition(self.packetIdentifier != nil, "a QoS \(self.qos.rawValue) PUBLISH needs a packet identifier")
            buffer.writeInteger(self.packetIdentifier ?? 0)
        }
        if version == .v5 { self.properties.write(to: &buffer) }
        var payload = self.payload
        buffer.writeBuffer(&payload)
    }
}
