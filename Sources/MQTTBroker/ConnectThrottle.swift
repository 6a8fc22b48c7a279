import NIOCore

/// When each client id last sent a CONNECT that was let through, for AWS IoT Core's quota of one CONNECT per second
/// per client id (the aws behaviour). Entries older than the interval are forgotten as new ones arrive.
struct ConnectThrottle: Sendable {
    /// The shortest time between two CONNECTs of one client id.
    static let interval = TimeAmount.seconds(1)
    private var last: [String: NIODeadline] = [:]

    /// How long ago `clientID` last connected when that is less than ``interval`` (the CONNECT is throttled and not
    /// recorded); nil otherwise, and the CONNECT is recorded.
    mutating func admit(_ clientID: String, now: NIODeadline) -> TimeAmount? {
        if let previous = last[clientID], now - previous < Self.interval {
            return now - previous
        }
        if last.count >= 1024 { last = last.filter { now - $0.value < Self.interval } }
        last[clientID] = now
        return nil
    }
}
