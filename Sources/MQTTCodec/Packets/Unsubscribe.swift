import NIOCore

/// UNSUBSCRIBE: topic filters a client no longer wants, exactly as it subscribed to them.
public struct Unsubscribe: Sendable, Hashable {
    public var packetIdentifier: UInt16
    /// At least one ([MQTT-3.10.3-2]).
    public var topicFilters: [String]
    /// MQTT 5.0 properties (User Properties); empty in 3.1.1.
    public var properties: Properties

    public init(packetIdentifier: UInt16, topicFilters: [String], properties: Properties = []) {
        self.packetIdentifier = packetIdentifier
        self.topicFilters = topicFilters
        self.properties = properties
    }

    static func decode(body: inout ByteBuffer, version: ProtocolVersion) throws(MQTTCodecError) -> Unsubscribe {
        let packetIdentifier = try body.readMQTTUInt16("packet identifier")
        guard packetIdentifier != 0 else {
            throw .protocolViolation("[MQTT-2.3.1-1] the UNSUBSCRIBE has packet identifier 0")
        }
        let properties: Properties =
            version == .v5 ? try Properties.read(from: &body, in: .packet(.unsubscribe)) : []
        var filters: [String] = []
        while body.readableBytes > 0 {
            let filter = try body.readMQTTString("topic filter")
            if filter.isEmpty {
                throw MQTTCodecError(.invalidTopic, "[MQTT-4.7.3-1] an UNSUBSCRIBE topic filter is empty")
            }
            filters.append(filter)
        }
        if filters.isEmpty {
            throw .protocolViolation("[MQTT-3.10.3-2] the UNSUBSCRIBE has no topic filter")
        }
        return Unsubscribe(packetIdentifier: packetIdentifier, topicFilters: filters, properties: properties)
    }

    func encodeBody(into buffer: inout ByteBuffer, version: ProtocolVersion) {
        buffer.writeInteger(self.packetIdentifier)
        if version == .v5 { self.properties.write(to: &buffer) }
        for filter in self.topicFilters {
            buffer.writeMQTTString(filter)
        }
    }
}
