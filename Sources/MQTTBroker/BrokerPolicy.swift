/// Who may publish and subscribe where, compiled from ``PolicyRule``s.
///
/// Evaluation order (documented in docs/mqtt-broker.md): a matching **deny** rule wins over everything; otherwise a
/// matching **allow** rule grants; otherwise the action is refused. A publish matches a rule when one of the
/// rule's filters matches the topic; a subscription matches an allow rule when one of the rule's filters covers
/// every topic the requested filter can match, and a deny rule when they can match a topic in common. Templates
/// whose value is missing (no certificate, no CN) or holds a wildcard or `/` make that topic not apply.
public struct BrokerPolicy: Sendable {
    public let rules: [PolicyRule]

    public init(rules: [PolicyRule]) {
        self.rules = rules
    }

    /// The verdict on one action, with the sentence that explains a refusal.
    public struct Decision: Sendable, Hashable {
        public var allowed: Bool
        /// Why it was refused, naming what the policy does allow ("policy allows devices/device-002/#").
        public var reason: String
    }

    public func decide(_ action: PolicyRule.Action, _ target: String, identity: ClientIdentity?, clientID: String) -> Decision {
        let levels = TopicLevels(target)
        var allowedPatterns: [String] = []
        var allowed = false
        for rule in rules where rule.actions.contains(action) && applies(rule, to: identity) {
            for pattern in rule.topics {
                guard let expanded = Self.expand(pattern, identity: identity, clientID: clientID) else { continue }
                let filter = TopicLevels(expanded)
                switch rule.effect {
                case .deny:
                    let hit = action == .publish ? filter.matches(topic: levels) : filter.overlaps(filter: levels)
                    if hit {
                        let origin = rule.origin.map { " (\($0))" } ?? ""
                        return Decision(allowed: false, reason: "policy denies \(action.rawValue) to \(expanded)\(origin)")
                    }
                case .allow:
                    allowedPatterns.append(expanded)
                    if action == .publish ? filter.matches(topic: levels) : filter.covers(filter: levels) { allowed = true }
                }
            }
        }
        if allowed { return Decision(allowed: true, reason: "") }
        let list = allowedPatterns.isEmpty ? "no \(action.rawValue) at all" : allowedPatterns.joined(separator: ", ")
        return Decision(allowed: false, reason: "policy allows \(list)")
    }

    /// The verdict on a SUBSCRIBE to `filter` under the listener's ``SubscriptionCheck``: `.refuse` is ``decide(_:_:identity:clientID:)``;
    /// `.filter` grants a filter that shares a topic with some allow rule unless a deny rule covers all of it (what it
    /// may not read is left out at delivery).
    public func decideSubscription(_ filter: String, check: SubscriptionCheck, identity: ClientIdentity?, clientID: String) -> Decision {
        guard check == .filter else { return decide(.subscribe, filter, identity: identity, clientID: clientID) }
        let levels = TopicLevels(filter)
        var allowedPatterns: [String] = []
        var overlaps = false
        for rule in rules where rule.actions.contains(.subscribe) && applies(rule, to: identity) {
            for pattern in rule.topics {
                guard let expanded = Self.expand(pattern, identity: identity, clientID: clientID) else { continue }
                let ruleFilter = TopicLevels(expanded)
                switch rule.effect {
                case .deny where ruleFilter.covers(filter: levels):
                    let origin = rule.origin.map { " (\($0))" } ?? ""
                    return Decision(allowed: false, reason: "policy denies subscribe to \(expanded)\(origin)")
                case .deny: break
                case .allow:
                    allowedPatterns.append(expanded)
                    if ruleFilter.overlaps(filter: levels) { overlaps = true }
                }
            }
        }
        if overlaps { return Decision(allowed: true, reason: "") }
        let list = allowedPatterns.isEmpty ? "no subscribe at all" : allowedPatterns.joined(separator: ", ")
        return Decision(allowed: false, reason: "policy allows \(list), and none of it overlaps this filter")
    }

    func applies(_ rule: PolicyRule, to identity: ClientIdentity?) -> Bool {
        guard !rule.identities.isEmpty else { return true }
        guard let identity else { return false }
        return rule.identities.contains(identity.name) || identity.commonName.map(rule.identities.contains) == true
    }

    /// Fills in `${cn}`, `${identity}` and `${client_id}`; nil when a value is missing or would add a wildcard.
    static func expand(_ pattern: String, identity: ClientIdentity?, clientID: String) -> String? {
        guard pattern.contains("${") else { return pattern }
        var result = pattern
        let values: [(String, String?)] = [("${cn}", identity?.commonName), ("${identity}", identity?.name), ("${client_id}", clientID)]
        for (variable, value) in values where result.contains(variable) {
            // A "/" would let a client id such as "device-001/x" reach into another device's subtree (Mosquitto refuses it too).
            guard let value, !value.isEmpty, !value.contains("+"), !value.contains("#"), !value.contains("/") else { return nil }
            result = result.replacing(variable, with: value)
        }
        return result
    }
}
