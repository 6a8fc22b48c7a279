/// What one broker listener does: its behaviour and limits. Listeners of one lab share one broker (sessions,
/// subscriptions, retained messages and the policy), as AWS IoT's ports 8883 and 443 do.
public struct BrokerConfiguration: Sendable, Hashable {
    /// The listener's name in events.
    public var name: String
    public var behaviour: BrokerBehaviour
    public var limits: BrokerLimits

    public init(name: String = "mqtt", behaviour: BrokerBehaviour = .mosquitto, limits: BrokerLimits? = nil) {
        self.name = name
        self.behaviour = behaviour
        self.limits = limits ?? .defaults(for: behaviour)
    }
}
