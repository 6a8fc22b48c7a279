import NIOCore

/// Publishes one connection sent past AWS IoT Core's 100 per second, dropped during one window and told in one event
/// once the window is over (by the next publish of the connection or the broker's tick, even after it closed).
struct ThrottledPublishes: Sendable {
    /// The connection as it was at the first drop, so the event can name it after it is gone.
    let connection: BrokerConnection
    /// When the window began.
    let start: NIODeadline
    /// The first topic dropped.
    let topic: String
    /// The publishes a second the connection was allowed.
    let maximum: Int
    var dropped = 0
    /// QoS 1 publishes among them (no PUBACK was sent for those).
    var unacknowledged = 0
}
