/// The caps one broker enforces across all of its listeners: how much state any set of clients can make it hold.
///
/// Each cap, when hit, refuses in the way the protocol allows (CONNACK, PUBACK or PUBREC with 0x97 Quota exceeded
/// in MQTT 5) and records an event naming the cap and the `lab.yaml` key that changes it.
public struct BrokerQuotas: Sendable, Hashable {
    /// Sessions held at once: connected clients plus persistent sessions kept for offline clients
    /// (`broker.max_sessions`).
    public var maximumSessions: Int
    /// Topics with a retained message (`broker.max_retained_messages`).
    public var maximumRetainedMessages: Int
    /// Payload and topic bytes of all retained messages together (`broker.max_retained_bytes`).
    public var maximumRetainedBytes: Int

    public init(maximumSessions: Int = 100_000, maximumRetainedMessages: Int = 10_000, maximumRetainedBytes: Int = 64 * 1024 * 1024) {
        self.maximumSessions = maximumSessions
        self.maximumRetainedMessages = maximumRetainedMessages
        self.maximumRetainedBytes = maximumRetainedBytes
    }
}
