import MQTTCodec
import NIOCore

/// AWS IoT Core's quotas and refusals as a device meets them (aws behaviour, from the listener's ``BrokerLimits``):
/// one CONNECT per second per client id, 100 publishes per second per connection, no Subscription Identifiers, no
/// RETAIN on reserved topics, and the take-over of a duplicate client id told in AWS's words.
extension BrokerCore {
    /// The refusal of a CONNECT that comes less than a second after the previous one of the same client id; nil when
    /// it may go on (and then it is the one the next is measured from).
    mutating func connectThrottleRefusal(_ clientID: String, on connection: BrokerConnection, now: NIODeadline) -> (explanation: String, hint: String)? {
        guard let since = connectThrottle.admit(clientID, now: now) else { return nil }
        let milliseconds = since.nanoseconds / 1_000_000
        return ("\(connection.who) sent a CONNECT for client id \"\(clientID)\" \(milliseconds) ms after the previous one; AWS IoT allows 1 CONNECT per second per client id and throttles the rest (its lifecycle event says disconnectReason THROTTLED)",
                "wait at least a second before reconnecting, with back-off (the AWS SDKs start at 1 s and double it); two devices that share a client id throw each other off and reconnect in a loop like this")
    }

    /// The sentence and hint of a take-over: under aws they name AWS's lifecycle reason DUPLICATE_CLIENTID and the
    /// connect/disconnect loop two devices with one client id fall into.
    func takeoverWords(of old: BrokerConnection, by new: BrokerConnection, clientID: String) -> (explanation: String, hint: String) {
        let explanation = "\(old.who) was disconnected: a new connection from \(new.peer) used the same client id \"\(clientID)\""
        guard old.behaviour == .aws || new.behaviour == .aws else {
            return (explanation, "two devices (or two copies of one) share a client id; give each its own")
        }
        return (explanation + ", and AWS IoT keeps only the newest (its lifecycle event says disconnectReason DUPLICATE_CLIENTID)",
                "two devices (or two copies of one) share a client id: each connection throws the other off, and both reconnect in a loop; give each device its own certificate and thing name")
    }

    /// Counts a PUBLISH against the connection's publishes per second; false when it is over `maximum` and is dropped
    /// (no PUBACK), as AWS IoT discards it. The drops of one second are told in one event once it is over.
    mutating func admitPublish(topic: String, qos: QoS, on id: ConnectionID, maximum: Int, now: NIODeadline,
                               into actions: inout [BrokerAction]) -> Bool {
        reportThrottledPublishes(now: now, into: &actions)
        guard var connection = connections[id] else { return false }
        let admitted = connection.publishRate.admit(now: now, maximum: maximum)
        connections[id] = connection
        if admitted { return true }
        var record = throttledPublishes[id]
            ?? ThrottledPublishes(connection: connection, start: connection.publishRate.start ?? now, topic: topic, maximum: maximum)
        record.dropped += 1
        if qos != .atMostOnce { record.unacknowledged += 1 }
        throttledPublishes[id] = record
        return false
    }

    /// Tells, in one event each, the throttled seconds that are over.
    mutating func reportThrottledPublishes(now: NIODeadline, into actions: inout [BrokerAction]) {
        guard !throttledPublishes.isEmpty else { return }
        for (id, record) in throttledPublishes where record.start + .seconds(1) <= now {
            throttledPublishes[id] = nil
            let total = record.maximum + record.dropped
            let unacknowledged = record.unacknowledged == 0 ? ""
                : "; \(record.unacknowledged) of them were QoS 1 and got no PUBACK, so the device sends them again (and they count again)"
            event(.refused, .publishThrottled,
                  "\(record.connection.who) sent \(total) PUBLISH packets within one second; AWS IoT allows \(record.maximum) per second per connection and discards the rest without telling the device: \(record.dropped) \(record.dropped == 1 ? "was" : "were") dropped, the first on \(record.topic)\(unacknowledged)",
                  hint: "publish at most \(record.maximum) messages a second per connection: batch readings into fewer messages, or spread them over time",
                  on: record.connection, topic: record.topic, into: &actions)
        }
    }

    /// Why AWS IoT refuses to retain a message on `topic` (the sentence goes on from the client's name), or nil: reserved
    /// topics, the ones that start with `$`, take no RETAIN flag (AWS IoT developer guide, "Using MQTT retained messages").
    func awsRetainProblem(topic: String) -> String? {
        guard topic.hasPrefix("$") else { return nil }
        return "published a retained message to the reserved topic \(topic), and AWS IoT does not allow the RETAIN flag on reserved ($) topics"
    }

    /// Whether AWS IoT leaves out the retained message of `topic` when `filter` is subscribed: it sends a retained
    /// message on subscription only to a filter that is exactly its topic, not to a wildcard filter that matches it
    /// (AWS IoT developer guide, "Using MQTT retained messages"); later messages reach the wildcard as usual.
    func awsSkipsRetained(_ topic: String, for filter: String, on connection: BrokerConnection) -> Bool {
        connection.behaviour == .aws && filter != topic
    }

    /// Closes a connection whose SUBSCRIBE carries a Subscription Identifier the listener does not offer: DISCONNECT
    /// 0xA1, as the spec asks of a server that said Subscription Identifier Available 0 and as AWS IoT does.
    mutating func refuseSubscriptionIdentifier(on connection: BrokerConnection, now: NIODeadline, into actions: inout [BrokerAction]) {
        let who = connection.behaviour == .aws ? "AWS IoT does not support them" : "this listener does not offer them"
        let message = "the SUBSCRIBE carries a Subscription Identifier; \(who), as the CONNACK said (Subscription Identifier Available 0)"
        actions.append(.send(connection.id, .disconnect(Disconnect(reasonCode: .subscriptionIdentifiersNotSupported, properties: [.reasonString(message)]))))
        event(.refused, .subscriptionIdentifiersUnsupported,
              "\(connection.who) sent a SUBSCRIBE with a Subscription Identifier; \(who), as its CONNACK said (Subscription Identifier Available 0): the broker sent DISCONNECT 0xA1 and closed the connection",
              hint: "subscribe without a Subscription Identifier and match incoming topics against your filters instead (MQTT.js: drop properties.subscriptionIdentifier; Node-RED: leave the MQTT 5 subscription identifier empty)",
              on: connection, sentCode: ReasonCode.subscriptionIdentifiersNotSupported.rawValue, closing: true, into: &actions)
        close(connection.id, abnormal: true, now: now, into: &actions)
    }
}
