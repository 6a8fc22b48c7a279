import MQTTBroker

/// What an `mqtt` endpoint adds to the TLS settings every endpoint has: how the broker behaves, how it names
/// clients, and an optional plain-TCP listener.
public struct MQTTListenerSpec: Sendable, Hashable {
    /// `mosquitto` (the default) or `aws`.
    public var behaviour: BrokerBehaviour
    /// Which certificate field is the client's identity (`${identity}`, and the thing name in `aws`).
    public var identity: IdentitySource
    /// A second listener without TLS on this port, only when the lab asks for one.
    public var plainPort: Int?
    /// Overrides the behaviour's largest accepted packet, in bytes.
    public var maximumPacketSize: Int?
    /// Overrides the behaviour's cap on subscriptions per session (`max_subscriptions`).
    public var maximumSubscriptions: Int?
    /// Overrides how long an MQTT 3.1.1 persistent session outlives its connection (`persistent_session_expiry`).
    public var persistentSessionExpiry: UInt32?
    /// How a SUBSCRIBE wider than the policy is judged (`subscriptions: refuse | filter`).
    public var subscriptionCheck: SubscriptionCheck = .refuse

    public init(behaviour: BrokerBehaviour = .mosquitto, identity: IdentitySource = .commonName, plainPort: Int? = nil,
                maximumPacketSize: Int? = nil) {
        self.behaviour = behaviour
        self.identity = identity
        self.plainPort = plainPort
        self.maximumPacketSize = maximumPacketSize
    }
}
