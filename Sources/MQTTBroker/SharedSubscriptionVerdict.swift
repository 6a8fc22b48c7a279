import MQTTCodec

/// What the broker makes of one `$share/` filter in a SUBSCRIBE before the checks every filter gets.
enum SharedSubscriptionVerdict: Sendable {
    /// A valid shared subscription: go on with the topic limits and the policy, which judges `policyFilter`.
    case accepted(policyFilter: String)
    /// Refused in its SUBACK, with this code, reason and sentence; the other filters go on.
    case refused(ReasonCode, BrokerEvent.Reason, explanation: String, hint: String)
    /// The connection was closed (and the event recorded): nothing more of the SUBSCRIBE is done.
    case closed
}
