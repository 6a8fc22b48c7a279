/// One line of a broker policy: allow or deny some actions on some topics, for everyone or for named identities.
///
/// Topics are MQTT topic filters (`+` and `#` allowed) with templates filled in per client: `${cn}` (the
/// certificate's common name), `${identity}` (the listener's identity field) and `${client_id}`.
public struct PolicyRule: Sendable, Hashable {
    public enum Effect: String, Sendable, Hashable, Codable {
        case allow
        case deny
    }

    public enum Action: String, Sendable, Hashable, Codable, CaseIterable {
        /// Sending PUBLISH to a topic (and a will message on it).
        case publish
        /// Subscribing with a filter (and so receiving what matches it).
        case subscribe
    }

    public var effect: Effect
    public var actions: Set<Action>
    public var topics: [String]
    /// The identities the rule is for; empty for every client.
    public var identities: [String]
    /// Where the rule was written (for example `lab.yaml:52`), for messages.
    public var origin: String?

    public init(effect: Effect, actions: Set<Action>, topics: [String], identities: [String] = [], origin: String? = nil) {
        self.effect = effect
        self.actions = actions
        self.topics = topics
        self.identities = identities
        self.origin = origin
    }

    /// The template variables a topic may use.
    public static let variables = ["${cn}", "${identity}", "${client_id}"]
}
