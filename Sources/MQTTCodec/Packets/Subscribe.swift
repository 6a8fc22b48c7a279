import NIOCore

/// SUBSCRIBE: one or more topic filters a client wants messages for.
public struct Subscribe: Sendable, Hashable {
    public var packetIdentifier: UInt16
    /// At least one ([MQTT-3.8.3-3]).
    public var subscriptions: [Subscription]
    /// MQTT 5.0 properties (Subscription Identifier, User Properties); empty in 3.1.1.
    public var properties: Properties

    public init(packetIdentifier: UInt16, subscriptions: [Subscription], properties: Properties = []) {
        self.packetIdentifier = packetIdentifier
        self.subscriptions = subscriptions
        self.properties = properties
    }

    static func decode(body: inout ByteBuffer, version: ProtocolVersion) throws(MQTTCodecError) -> Subscribe {
        let packetIdentifier = try body.readMQTTUInt16("packet identifier")
        guard packetIdentifier != 0 else {
            throw .protocolViolation("[MQTT-2.3.1-1] the SUBSCRIBE has packet identifier 0")
        }
        let properties: Properties =
            version == .v5 ? try Properties.read(from: &body, in: .packet(.subscribe)) : []
        var subscriptions: [Subscription] = []
        while body.readableBytes > 0 {
            subscriptions.append(try Subscription.decode(from: &body, version: version))
        }
        if subscriptions.isEmpty {
            throw .protocolViolation("[MQTT-3.8.3-3] the SUBSCRIBE has no topic filter")
        }
        return Subscribe(packetIdentifier: packetIdentifier, subscriptions: subscriptions, properties: properties)
    }

    func encodeBody(into buffer: inout ByteBuffer, version: ProtocolVersion) {
        buffer.writeInteger(self.packetIdentifier)
        if version == .v5 { self.properties.write(to: &buffer) }
        for subscription in self.subscriptions {
            subscription.encode(into: &buffer, version: version)
        }
    }
}
