import AWSIoT
import MQTTCodec
import NIOCore

extension BrokerCore {
    mutating func handleSubscribe(_ subscribe: Subscribe, on id: ConnectionID, now: NIODeadline, into actions: inout [BrokerAction]) {
        guard let connection = connections[id], let clientID = connection.clientID else { return }
        let v5 = connection.version == .v5
        let aws = connection.behaviour == .aws
        let limits = connection.limits
        if let maximum = limits.maximumFiltersPerSubscribe, subscribe.subscriptions.count > maximum {
            awsClose(id, .tooManyFilters, "\(connection.who) sent a SUBSCRIBE with \(subscribe.subscriptions.count) filters; AWS IoT takes at most \(maximum)",
                     hint: "subscribe in several SUBSCRIBE packets of at most \(maximum) filters", now: now, into: &actions)
            return
        }
        let identifier = subscribe.properties.elements.lazy.compactMap {
            if case .subscriptionIdentifier(let value) = $0 { return value } else { return nil }
        }.first
        if identifier != nil, !limits.subscriptionIdentifiersAvailable {
            refuseSubscriptionIdentifier(on: connection, now: now, into: &actions)
            return
        }
        var codes: [ReasonCode] = []
        var retainedToSend: [(OutgoingMessage, TopicLevels)] = []
        var accepted: [Subscription] = []
        /// Filters of this SUBSCRIBE the session does not hold yet (they count against the subscription cap).
        var added: Set<String> = []
        for subscription in subscribe.subscriptions {
            let filter = subscription.topicFilter
            func refuse(_ code: ReasonCode, _ reason: BrokerEvent.Reason, _ explanation: String, hint: String) {
                let sent: ReasonCode = v5 ? code : .unspecifiedError
                codes.append(sent)
                let answer = v5 ? "SUBACK \(code.hex) sent" : "SUBACK 0x80 (failure) sent"
                event(.refused, reason, "\(explanation); \(answer)", hint: hint, on: connection, topic: filter, sentCode: sent.rawValue, into: &actions)
            }
            do {
                _ = try TopicFilter(filter)
            } catch {
                if aws {
                    awsClose(id, .invalidTopicFilter, "\(connection.who) subscribed to an invalid filter: \(error.message)", hint: nil,
                             topic: filter, now: now, into: &actions)
                    return
                }
                refuse(.topicFilterInvalid, .invalidTopicFilter, "\(connection.who) subscribed to an invalid filter: \(error.message)",
                       hint: "+ and # must be whole levels, # only last")
                continue
            }
            var policyFilter = filter
            if SharedFilter.isShared(filter) {
                switch sharedSubscriptionVerdict(subscription, on: connection, now: now, into: &actions) {
                case .closed: return
                case .refused(let code, let reason, let explanation, let hint):
                    refuse(code, reason, explanation, hint: hint)
                    continue
                case .accepted(let judged): policyFilter = judged
                }
            }
            if let problem = subscriptionLimitProblem(filter, limits: limits) {
                if aws {
                    awsClose(id, .topicLimit, "\(connection.who) subscribed to a filter that \(problem)", hint: "shorten the filter", topic: filter,
                             now: now, into: &actions)
                    return
                }
                refuse(.topicFilterInvalid, .topicLimit, "the filter \(filter) \(problem)", hint: "shorten the filter")
                continue
            }
            if subscription.qos.rawValue > limits.maximumQoS && aws {
                awsClose(id, .qosNotSupported, "\(connection.who) subscribed to \(filter) at QoS 2, which AWS IoT does not support",
                         hint: "subscribe at QoS 0 or 1", topic: filter, now: now, into: &actions)
                return
            }
            if let refusal = policyRefusal(.subscribe, policyFilter, on: connection, clientID: clientID, now: now, into: &actions) {
                if refusal.closed { return }
                refuse(.notAuthorized, .subscribeDenied, refusal.explanation, hint: refusal.hint)
                continue
            }
            let held = (sessions[clientID]?.subscriptions.count ?? 0) + added.count
            if sessions[clientID]?.subscriptions[filter] == nil, !added.contains(filter), held >= limits.maximumSubscriptions {
                let explanation = "\(connection.who) holds \(held) subscriptions, the cap of this listener (\(aws ? "AWS IoT allows 50 per connection" : "max_subscriptions")); \(filter) was refused"
                let hint = aws ? "unsubscribe from something first, or use fewer, wider filters" : "unsubscribe from something first, or raise max_subscriptions on the mqtt listener in lab.yaml"
                if aws {
                    awsClose(id, .subscriptionLimit, explanation, hint: hint, topic: filter, now: now, into: &actions)
                    return
                }
                refuse(.quotaExceeded, .subscriptionLimit, explanation, hint: hint)
                continue
            }
            var granted = subscription
            granted.qos = QoS(rawValue: min(subscription.qos.rawValue, limits.maximumQoS)) ?? .atMostOnce
            accepted.append(granted)
            if sessions[clientID]?.subscriptions[filter] == nil { added.insert(filter) }
            codes.append(ReasonCode(rawValue: granted.qos.rawValue))
        }
        // Stored only once every filter passed: a SUBSCRIBE the aws behaviour refused leaves nothing behind.
        for granted in accepted {
            let filter = granted.topicFilter
            let existed = sessions[clientID]?.subscriptions[filter] != nil
            sessions[clientID]?.subscriptions[filter] = Session.Entry(filter: TopicLevels(filter), options: granted, identifier: identifier)
            index(filter, clientID)

            // Retained messages ([MQTT-3.3.1-6], v5 Retain Handling); none on a shared subscription (§3.3.1.3: "a new
            // Non-shared Subscription").
            let wanted = switch granted.retainHandling {
            case .sendOnSubscribe: true
            case .sendOnNewSubscription: !existed
            case .doNotSend: false
            }
            if wanted && !SharedFilter.isShared(filter) {
                let levels = TopicLevels(filter)
                for message in retained.values.sorted(by: { $0.topic < $1.topic }) where !message.isExpired(at: now) {
                    let topic = TopicLevels(message.topic)
                    guard levels.matches(topic: topic), !awsSkipsRetained(message.topic, for: filter, on: connection) else { continue }
                    retainedToSend.append((OutgoingMessage(message: message, qos: min(message.qos, granted.qos), retain: true,
                                                           subscriptionIdentifiers: identifier.map { [$0] } ?? []), topic))
                }
            }
        }
        actions.append(.send(id, .subAck(SubAck(packetIdentifier: subscribe.packetIdentifier, reasonCodes: codes))))
        if let access = connection.iot, !accepted.isEmpty {
            publishSubscriptionEvent(access, clientID: clientID, topics: accepted.map(\.topicFilter), subscribed: true, now: now, into: &actions)
        }
        for (outgoing, topic) in retainedToSend { deliver(outgoing, to: clientID, topic: topic, now: now, into: &actions) }
    }

    mutating func handleUnsubscribe(_ unsubscribe: Unsubscribe, on id: ConnectionID, now: NIODeadline, into actions: inout [BrokerAction]) {
        guard let connection = connections[id], let clientID = connection.clientID else { return }
        var codes: [ReasonCode] = []
        var removed: [String] = []
        for filter in unsubscribe.topicFilters {
            let existed = sessions[clientID]?.subscriptions.removeValue(forKey: filter) != nil
            if existed {
                unindex(filter, clientID)
                removed.append(filter)
            }
            codes.append(existed ? .success : .noSubscriptionExisted)
        }
        actions.append(.send(id, .unsubAck(UnsubAck(packetIdentifier: unsubscribe.packetIdentifier,
                                                    reasonCodes: connection.version == .v5 ? codes : []))))
        if let access = connection.iot, !removed.isEmpty {
            publishSubscriptionEvent(access, clientID: clientID, topics: removed, subscribed: false, now: now, into: &actions)
        }
    }

    mutating func handleDisconnect(_ disconnect: Disconnect, on id: ConnectionID, now: NIODeadline, into actions: inout [BrokerAction]) {
        guard let connection = connections[id], let clientID = connection.clientID else { return }
        if let expiry = disconnect.properties.sessionExpiryInterval {
            if connection.sessionExpiryInterval == 0 && expiry != 0 {
                protocolError(id, "[MQTT-3.14.2-2] the DISCONNECT sets a session expiry, but the CONNECT's was 0", reason: .protocolViolation,
                              now: now, into: &actions)
                return
            }
            let granted = connection.limits.maximumSessionExpiry.map { min($0, expiry) } ?? expiry
            sessions[clientID]?.expiryInterval = granted
        }
        // Only 0x00 discards the will ([MQTT-3.1.2-10], [MQTT-3.14.4-3]); 0x04 and the error codes send it.
        let withWill = disconnect.reasonCode != .normalDisconnection
        let how = disconnect.reasonCode == .normalDisconnection || disconnect.reasonCode == .disconnectWithWillMessage
            ? "normally" : "with reason \(disconnect.reasonCode.hex) (\(disconnect.reasonCode))"
        let will = if connection.will == nil {
            ""
        } else if withWill {
            willFate(of: connection).map { " \($0) (\(disconnect.reasonCode.hex) keeps it)." } ?? ""
        } else {
            " Its will was discarded."
        }
        connections[id]?.iot?.disconnectReason = .clientInitiatedDisconnect
        event(.closed, .disconnected, "\(connection.who) disconnected \(how).\(will)", on: connection, into: &actions)
        close(id, abnormal: withWill, now: now, into: &actions)
    }
}
