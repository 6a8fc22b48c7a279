import MQTTCodec
import NIOCore

/// A message on its way through the broker: what was published, without the per-connection packet details.
struct ApplicationMessage: Sendable, Hashable {
    var topic: String
    var payload: ByteBuffer
    var qos: QoS
    var retain: Bool
    /// The MQTT 5 properties forwarded to subscribers (payload format, content type, response topic,
    /// correlation data, user properties); the message expiry is kept as ``expiresAt``.
    var properties: Properties
    /// When an MQTT 5 Message Expiry Interval runs out.
    var expiresAt: NIODeadline?
    /// The client id of the publisher (for No Local).
    var publisher: String?

    init(_ publish: Publish, topic: String, publisher: String?, now: NIODeadline) {
        self.topic = topic
        self.payload = publish.payload
        self.qos = publish.qos
        self.retain = publish.retain
        self.publisher = publisher
        var forwarded: [Property] = []
        var expiry: NIODeadline?
        for property in publish.properties.elements {
            switch property {
            case .messageExpiryInterval(let seconds): expiry = now + .seconds(Int64(seconds))
            case .payloadFormatIndicator, .contentType, .responseTopic, .correlationData, .userProperty: forwarded.append(property)
            default: break
            }
        }
        self.properties = Properties(forwarded)
        self.expiresAt = expiry
    }

    init(will: Will, publisher: String, now: NIODeadline) {
        self.init(Publish(topic: will.topic, payload: will.payload, qos: will.qos, retain: will.retain,
                          properties: Properties(will.properties.elements.filter {
                              if case .willDelayInterval = $0 { return false } else { return true }
                          })),
                  topic: will.topic, publisher: publisher, now: now)
    }

    func isExpired(at now: NIODeadline) -> Bool {
        expiresAt.map { $0 <= now } ?? false
    }
}

/// A message queued or in flight to one session, at the QoS that session gets it.
struct OutgoingMessage: Sendable, Hashable {
    var message: ApplicationMessage
    var qos: QoS
    var retain: Bool
    var subscriptionIdentifiers: [Int]

    /// The PUBLISH for a client of `version`.
    func packet(identifier: UInt16?, duplicate: Bool, version: ProtocolVersion, now: NIODeadline) -> Publish {
        var properties: [Property] = []
        if version == .v5 {
            properties = message.properties.elements
            if let expiresAt = message.expiresAt {
                let left = max(0, (expiresAt - now).nanoseconds / 1_000_000_000)
                properties.append(.messageExpiryInterval(UInt32(clamping: left)))
            }
            properties += subscriptionIdentifiers.map { .subscriptionIdentifier($0) }
        }
        return Publish(topic: message.topic, payload: message.payload, qos: qos, packetIdentifier: identifier, retain: retain,
                       duplicate: duplicate, properties: Properties(properties))
    }
}
