/// How a broker listener treats what its policy forbids and which cloud limits it applies.
public enum BrokerBehaviour: String, Sendable, Hashable, Codable, CaseIterable {
    /// As AWS IoT Core does: the client id must equal the certificate's identity (the thing name); an
    /// unauthorised CONNECT, PUBLISH or SUBSCRIBE, and QoS 2, close the connection without a reply; keep-alive is
    /// clamped to 30–1200 s, payloads to 128 KB, SUBSCRIBE to 8 filters, topics to 256 bytes and 7 slashes; one CONNECT per
    /// second per client id, 100 publishes per second per connection, no Subscription Identifiers; shared subscriptions
    /// pick a member at random.
    case aws
    /// As Mosquitto does (the default): a denied publish is dropped (MQTT 3.1.1 still acknowledges it, MQTT 5
    /// answers 0x87), a denied subscription gets SUBACK 0x80 (3.1.1) or 0x87 (5.0); the connection stays up.
    case mosquitto
}
