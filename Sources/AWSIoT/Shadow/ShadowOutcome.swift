/// What handling one shadow request produced.
public struct ShadowOutcome: Sendable, Hashable {
    /// In order: `…/accepted` or `…/rejected`, then `update/delta` (when desired and reported still differ), then
    /// `update/documents` (after every accepted update); all on AWS's own topics, for every subscriber.
    public var messages: [IoTMessage]
    /// The HTTP-style code when the request was rejected (400, 404, 409, 413, 415), else nil.
    public var errorCode: Int?
    /// One sentence for the lab's event log.
    public var summary: String
    /// Whether the store changed, so it must be saved.
    public var changed: Bool

    public init(messages: [IoTMessage], errorCode: Int? = nil, summary: String, changed: Bool) {
        self.messages = messages
        self.errorCode = errorCode
        self.summary = summary
        self.changed = changed
    }
}
