import NIOCore

/// One topic filter in a SUBSCRIBE, with the options that come with it.
///
/// The filter is kept as a string: its wildcard rules are checked by ``TopicFilter`` in the broker, so
/// an MQTT 5.0 broker can answer a bad filter with SUBACK 0x8F instead of dropping the connection.
public struct Subscription: Sendable, Hashable {
    /// When retained messages are sent on subscribing (MQTT 5.0 §3.8.3.1).
    public enum RetainHandling: UInt8, Sendable, Hashable {
        case sendOnSubscribe = 0
        case sendOnNewSubscription = 1
        case doNotSend = 2
    }

    public var topicFilter: String
    /// The maximum QoS the subscriber wants.
    public var qos: QoS
    /// MQTT 5.0: don't deliver the subscriber's own publications back to it.
    public var noLocal: Bool
    /// MQTT 5.0: keep the RETAIN flag as published when forwarding.
    public var retainAsPublished: Bool
    public var retainHandling: RetainHandling

    public init(
        topicFilter: String,
        qos: QoS = .atMostOnce,
        noLocal: Bool = false,
        retainAsPublished: Bool = false,
        retainHandling: RetainHandling = .sendOnSubscribe
    ) {
        self.topicFilter = topicFilter
        self.qos = qos
        self.noLocal = noLocal
        self.retainAsPublished = retainAsPublished
        self.retainHandling = retainHandling
    }

    static func decode(from body: inout ByteBuffer, version: ProtocolVersion) throws(MQTTCodecError) -> Subscription {
        let filter = try body.readMQTTString("topic filter")
        if filter.isEmpty {
            throw MQTTCodecError(.invalidTopic, "[MQTT-4.7.3-1] a SUBSCRIBE topic filter is empty")
        }
        let options = try body.readMQTTByte("subscription options")
        let reservedMask: UInt8 = version == .v5 ? 0b1100_0000 : 0b1111_1100
        if options & reservedMask != 0 {
            throw .malformed(
                version == .v5
                    ? "[MQTT-3.8.3-5] the reserved bits of the subscription options are not 0"
                    : "[MQTT-3-8.3-4] the reserved bits of the requested QoS byte are not 0"
            )
        }
        guard let qos = QoS(rawValue: options & 0b11) else {
            throw .malformed("[MQTT-3.8.3-4] a subscription asks for QoS 3")
        }
        guard let retainHandling = RetainHandling(rawValue: (options >> 4) & 0b11) else {
            throw .protocolViolation("[MQTT-3.8.3-5] Retain Handling is 3")
        }
        return Subscription(
            topicFilter: filter,
            qos: qos,
            noLocal: options & 0b0100 != 0,
            retainAsPublished: options & 0b1000 != 0,
            retainHandling: retainHandling
        )
    }

    func encode(into buffer: inout ByteBuffer, version: ProtocolVersion) {
        buffer.writeMQTTString(self.topicFilter)
        var options = self.qos.rawValue
        if version == .v5 {
            if self.noLocal { options |= 0b0100 }
            if self.retainAsPublished { options |= 0b1000 }
            options |= self.retainHandling.rawValue << 4
        }
        buffer.writeInteger(options)
    }
}
