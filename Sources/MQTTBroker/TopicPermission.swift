/// The topics one client may publish to, or be sent, compiled once per connection from the policy's rules for that
/// action with its templates filled in. The receive side is what lets every message delivered (live, queued,
/// retained or a will) be checked against the receiving identity, as Mosquitto's read ACL and AWS IoT's
/// `iot:Receive` are; both sides keep the per-message check to a few level comparisons.
struct TopicPermission: Sendable {
    /// Filters of matching deny rules: a topic any of them matches is never sent.
    var denied: [TopicLevels]
    /// Filters of matching allow rules: a topic must match one of them.
    var allowed: [TopicLevels]

    func permits(_ topic: TopicLevels) -> Bool {
        for filter in denied where filter.matches(topic: topic) { return false }
        for filter in allowed where filter.matches(topic: topic) { return true }
        return false
    }
}

extension BrokerPolicy {
    /// The topics `identity`, connected as `clientID`, may publish to (`.publish`) or receive (`.subscribe`): the
    /// same verdict as ``decide(_:_:identity:clientID:)`` on a topic name, without filling templates in again.
    func permission(_ action: PolicyRule.Action, identity: ClientIdentity?, clientID: String) -> TopicPermission {
        var permission = TopicPermission(denied: [], allowed: [])
        for rule in rules where rule.actions.contains(action) && applies(rule, to: identity) {
            for pattern in rule.topics {
                guard let expanded = Self.expand(pattern, identity: identity, clientID: clientID) else { continue }
                switch rule.effect {
                case .deny: permission.denied.append(TopicLevels(expanded))
                case .allow: permission.allowed.append(TopicLevels(expanded))
                }
            }
        }
        return permission
    }
}
