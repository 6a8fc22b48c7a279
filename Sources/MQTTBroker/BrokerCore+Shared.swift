import MQTTCodec
import NIOCore

/// Shared subscriptions, `$share/<ShareName>/<filter>` (MQTT 5.0 §4.8.2), in both behaviours and from MQTT 3.1.1
/// clients too (as Mosquitto 2 and AWS IoT Core accept them): each matching message goes to one member session of
/// each group, in turn (mosquitto, as Mosquitto 2) or at random (aws, as AWS IoT Core). Online members are preferred;
/// when none is online, a persistent member that is offline gets it queued (QoS 1 and 2 only). A member whose owner
/// may not read the topic is passed over. Messages queued or in flight to a member stay with that member's session.
extension BrokerCore {
    /// Makes the random choice of the aws behaviour repeatable (tests); the broker seeds it from the system otherwise.
    public mutating func seedSharedSubscriptionChoice(_ seed: UInt64) {
        memberChooser = SeededGenerator(seed: seed)
    }

    /// Checks a `$share/` filter of a SUBSCRIBE: the listener offers shared subscriptions, the ShareName is valid
    /// ([MQTT-4.8.2-1], [MQTT-4.8.2-2]) and No Local is not set ([MQTT-3.8.3-4]). Under aws the policy judges the
    /// whole filter, as AWS IoT's `iot:Subscribe` does (`topicfilter/$share/<ShareName>/<filter>`); under mosquitto it
    /// judges the filter after the prefix, as Mosquitto's ACL file judges the topics delivered.
    mutating func sharedSubscriptionVerdict(_ subscription: Subscription, on connection: BrokerConnection, now: NIODeadline,
                                            into actions: inout [BrokerAction]) -> SharedSubscriptionVerdict {
        let text = subscription.topicFilter
        let aws = connection.behaviour == .aws
        guard connection.limits.sharedSubscriptionsAvailable else {
            if aws {
                awsClose(connection.id, .sharedSubscriptionUnsupported, "\(connection.who) asked for the shared subscription \(text), which this listener does not offer",
                         hint: "subscribe without $share/", topic: text, now: now, into: &actions)
                return .closed
            }
            return .refused(.sharedSubscriptionsNotSupported, .sharedSubscriptionUnsupported,
                            explanation: "\(connection.who) asked for the shared subscription \(text), which this listener does not offer (its CONNACK said Shared Subscription Available 0)",
                            hint: "subscribe without $share/")
        }
        let shared: SharedFilter
        do {
            shared = try SharedFilter(text)
        } catch {
            let explanation = "\(connection.who) subscribed to an invalid shared subscription: \(error.message)"
            let hint = "a shared subscription is $share/<ShareName>/<filter>, with a ShareName of at least one character and no / + #"
            if aws {
                awsClose(connection.id, .invalidTopicFilter, explanation, hint: hint, topic: text, now: now, into: &actions)
                return .closed
            }
            return .refused(.topicFilterInvalid, .invalidTopicFilter, explanation: explanation, hint: hint)
        }
        if subscription.noLocal {
            protocolError(connection.id, "[MQTT-3.8.3-4] No Local is set on the shared subscription \(text)", reason: .protocolViolation,
                          now: now, into: &actions)
            return .closed
        }
        guard aws else { return .accepted(policyFilter: shared.filter) }
        if let policy, connection.iot == nil, let clientID = connection.clientID,
           !policy.decideSubscription(text, check: connection.listener.subscriptionCheck, identity: connection.identity, clientID: clientID).allowed,
           policy.decideSubscription(shared.filter, check: connection.listener.subscriptionCheck, identity: connection.identity, clientID: clientID).allowed {
            awsClose(connection.id, .subscribeDenied,
                     "\(connection.who) tried to subscribe to \(text); the policy allows \(shared.filter), but AWS IoT judges a shared subscription by its whole filter (iot:Subscribe on topicfilter/\(text))",
                     hint: "allow subscribe to $share/\(shared.name)/\(shared.filter) (or $share/+/\(shared.filter)) in policy: in lab.yaml", topic: text,
                     now: now, into: &actions)
            return .closed
        }
        return .accepted(policyFilter: text)
    }

    /// Why a filter breaks the listener's topic limits, or nil. A shared subscription's `$share/<ShareName>/` does not
    /// count towards the slashes (AWS IoT excludes it from its 7); its length counts whole.
    func subscriptionLimitProblem(_ filter: String, limits: BrokerLimits) -> String? {
        guard let shared = try? SharedFilter(filter) else { return topicLimitProblem(filter, limits: limits) }
        var length = limits
        length.maximumTopicSlashes = nil
        if let problem = topicLimitProblem(filter, limits: length) { return problem }
        var slashes = limits
        slashes.maximumTopicLength = nil
        return topicLimitProblem(shared.filter, limits: slashes).map { "\($0) (after $share/\(shared.name)/, which does not count)" }
    }

    /// Adds a session to the group of a shared filter, making the group when it is the first member.
    mutating func joinSharedGroup(_ text: String, _ clientID: String) {
        guard let shared = try? SharedFilter(text) else { return }
        if sharedGroups[text] == nil {
            let behaviour = sessions[clientID]?.connection.flatMap { connections[$0] }?.behaviour ?? .mosquitto
            sharedGroups[text] = SharedSubscriptionGroup(filter: TopicLevels(shared.filter), choice: behaviour)
        }
        sharedGroups[text]?.join(clientID)
    }

    /// Removes a session from a group (UNSUBSCRIBE, or its session ended); the last one out ends the group.
    mutating func leaveSharedGroup(_ text: String, _ clientID: String) {
        sharedGroups[text]?.leave(clientID)
        if sharedGroups[text]?.members.isEmpty == true { sharedGroups[text] = nil }
    }

    /// Gives a message to one member of every shared group whose filter matches; returns how many members got it.
    mutating func routeShared(_ message: ApplicationMessage, topic: TopicLevels, now: NIODeadline, into actions: inout [BrokerAction]) -> Int {
        guard !sharedGroups.isEmpty else { return 0 }
        // Sorted, so that the aws behaviour's random choices follow the seed whatever the dictionary's order.
        let matching = sharedGroups.compactMap { $0.value.filter.matches(topic: topic) ? $0.key : nil }.sorted()
        var delivered = 0
        for key in matching {
            guard var group = sharedGroups[key] else { continue }
            var online: Set<String> = []
            var offline: Set<String> = []
            var denied: String?
            for clientID in group.members {
                guard let session = sessions[clientID], let entry = session.subscriptions[key] else { continue }
                if let permission = session.receive, !permission.permits(topic) {
                    denied = denied ?? clientID
                    continue
                }
                if session.connection.flatMap({ connections[$0] })?.stage == .connected {
                    online.insert(clientID)
                } else if min(message.qos, entry.options.qos) != .atMostOnce {
                    offline.insert(clientID)
                }
            }
            let chosen = group.pick(among: online.isEmpty ? offline : online, using: &memberChooser)
            sharedGroups[key] = group
            guard let clientID = chosen, let entry = sessions[clientID]?.subscriptions[key] else {
                if let denied { refuseDelivery(message.topic, to: denied, into: &actions) }
                continue
            }
            let outgoing = OutgoingMessage(message: message, qos: min(message.qos, entry.options.qos),
                                           retain: entry.options.retainAsPublished && message.retain,
                                           subscriptionIdentifiers: entry.identifier.map { [$0] } ?? [])
            deliver(outgoing, to: clientID, topic: topic, now: now, into: &actions)
            delivered += 1
        }
        return delivered
    }
}
