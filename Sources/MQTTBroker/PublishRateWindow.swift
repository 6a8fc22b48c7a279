import NIOCore

/// The PUBLISH packets one connection sent in the current one-second window, for AWS IoT Core's quota of 100
/// inbound publishes per second per connection (the aws behaviour's ``BrokerLimits/maximumPublishesPerSecond``).
struct PublishRateWindow: Sendable {
    /// When the window began; nil before the first publish.
    var start: NIODeadline?
    var count = 0

    /// Counts a publish at `now`; false when it is past `maximum` within the window (it is to be dropped).
    mutating func admit(now: NIODeadline, maximum: Int) -> Bool {
        if let start, now - start < .seconds(1) {
            count += 1
            return count <= maximum
        }
        start = now
        count = 1
        return true
    }
}
