/// The topics one client may be sent, compiled once per connection from the policy's `subscribe` rules with its
/// templates filled in, so that every message delivered (live, queued, retained or a will) is checked against the
/// receiving identity, as Mosquitto's read ACL and AWS IoT's `iot:Receive` are.
struct ReceivePermission: Sendable {
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
    /// What `identity` connected as `clientID` may receive.
    func receivePermission(identity: ClientIdentity?, clientID: String) -> ReceivePermission {
        var permission = ReceivePermission(denied: [], allowed: [])
        for rule in rules where rule.actions.contains(.subscribe) && applies(rule, to: identity) {
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
