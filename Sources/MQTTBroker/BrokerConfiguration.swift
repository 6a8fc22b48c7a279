/// What one broker listener does: its behaviour and limits. Listeners of one lab share one broker (sessions,
/// subscriptions, retained messages and the policy), as AWS IoT's ports 8883 and 443 do.
public struct BrokerConfiguration: Sendable, Hashable {
    /// The listener's name in events.
    public var name: String
    public var behaviour: BrokerBehaviour
    public var limits: BrokerLimits
    /// How a SUBSCRIBE wider than the policy allows is judged.
    public var subscriptionCheck: SubscriptionCheck

    public init(name: String = "mqtt", behaviour: BrokerBehaviour = .mosquitto, limits: BrokerLimits? = nil,
                subscriptionCheck: SubscriptionCheck = .refuse) {
        self.name = name
        self.behaviour = behaviour
        self.limits = limits ?? .defaults(for: behaviour)
        self.subscriptionCheck = subscriptionCheck
    }
}
