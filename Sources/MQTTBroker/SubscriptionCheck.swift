/// How a listener judges a SUBSCRIBE whose filter reaches further than the policy lets the client read
/// (`subscriptions:` on an mqtt listener in `lab.yaml`).
///
/// Either way every message is checked again at delivery against the receiving identity, so neither lets a client
/// read a topic the policy does not allow.
public enum SubscriptionCheck: String, Sendable, Hashable, CaseIterable {
    /// The filter must lie wholly inside what the policy allows, or the SUBACK refuses it (AWS IoT's
    /// `iot:Subscribe` on the filter). The default: the device learns at once that it asked for too much.
    case refuse
    /// A filter that overlaps what the policy allows is granted, and the messages it may not read are left out at
    /// delivery (Mosquitto's ACLs: `#` is granted, then filtered).
    case filter
}
