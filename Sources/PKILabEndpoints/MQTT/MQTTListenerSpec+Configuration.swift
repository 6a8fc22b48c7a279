import MQTTBroker
import PKILab

extension MQTTListenerSpec {
    /// The broker's view of this listener: the behaviour's limits with the lab's overrides
    /// (`max_packet_size`, `max_subscriptions`, `persistent_session_expiry`) and its subscription check.
    public func configuration(name: String) -> BrokerConfiguration {
        var limits = BrokerLimits.defaults(for: behaviour)
        if let maximumPacketSize { limits.maximumPacketSize = maximumPacketSize }
        if let maximumSubscriptions { limits.maximumSubscriptions = maximumSubscriptions }
        if let persistentSessionExpiry { limits.persistentSessionExpiry = persistentSessionExpiry }
        return BrokerConfiguration(name: name, behaviour: behaviour, limits: limits, subscriptionCheck: subscriptionCheck)
    }
}
