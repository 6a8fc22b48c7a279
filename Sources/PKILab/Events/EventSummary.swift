/// What a run of the lab saw, for `pkilab run`'s closing summary: connections per endpoint by outcome, and each
/// reason something was refused, with how often and the first event's words.
public struct EventSummary: Sendable, Hashable, Codable {
    /// One endpoint's counts.
    public struct Endpoint: Sendable, Hashable, Codable {
        public var name: String
        public var accepted = 0
        public var rejected = 0
        public var closed = 0
    }

    /// One reason code among the refusals.
    public struct Refusal: Sendable, Hashable, Codable {
        public var reason: String
        public var count: Int
        /// The first such event's endpoint, explanation and hint.
        public var endpoint: String
        public var explanation: String
        public var hint: String?
    }

    /// In the order each endpoint first appeared.
    public private(set) var endpoints: [Endpoint] = []
    /// In the order each reason first appeared.
    public private(set) var refusals: [Refusal] = []

    public init() {}

    public init(_ events: some Sequence<ConnectionEvent>) {
        for event in events { add(event) }
    }

    public mutating func add(_ event: ConnectionEvent) {
        let index = endpoints.firstIndex { $0.name == event.endpoint } ?? {
            endpoints.append(Endpoint(name: event.endpoint))
            return endpoints.count - 1
        }()
        switch event.outcome {
        case .accepted: endpoints[index].accepted += 1
        case .rejected: endpoints[index].rejected += 1
        case .closed: endpoints[index].closed += 1
        }
        guard event.outcome == .rejected else { return }
        if let known = refusals.firstIndex(where: { $0.reason == event.reason }) {
            refusals[known].count += 1
        } else {
            refusals.append(Refusal(reason: event.reason, count: 1, endpoint: event.endpoint, explanation: event.explanation, hint: event.hint))
        }
    }

    public var total: Int { endpoints.reduce(0) { $0 + $1.accepted + $1.rejected + $1.closed } }
    public var rejected: Int { endpoints.reduce(0) { $0 + $1.rejected } }
}
