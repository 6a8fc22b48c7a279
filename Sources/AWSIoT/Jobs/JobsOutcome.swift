/// What handling one Jobs request (or creating a job) produced.
public struct JobsOutcome: Sendable, Hashable {
    /// `…/accepted` or `…/rejected`: AWS sends these only to the connection that made the request, subscribed or
    /// not.
    public var replies: [IoTMessage]
    /// `jobs/notify` and `jobs/notify-next`: ordinary publishes for every subscriber.
    public var notifications: [IoTMessage]
    /// One sentence for the lab's event log.
    public var summary: String
    /// Whether the store changed, so it must be saved.
    public var changed: Bool

    public init(replies: [IoTMessage], notifications: [IoTMessage], summary: String, changed: Bool) {
        self.replies = replies
        self.notifications = notifications
        self.summary = summary
        self.changed = changed
    }
}
