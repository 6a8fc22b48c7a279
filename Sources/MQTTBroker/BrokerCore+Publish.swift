import AWSIoT
import MQTTCodec
import NIOCore

extension BrokerCore {
    mutating func handlePublish(_ publish: Publish, from id: ConnectionID, now: NIODeadline, into actions: inout [BrokerAction]) {
        guard var connection = connections[id], let clientID = connection.clientID else { return }
        let v5 = connection.version == .v5
        let aws = connection.behaviour == .aws
        let limits = connection.limits

        // Topic aliases (MQTT 5 §3.3.2.3.4).
        var topic = publish.topic
        if let alias = publish.properties.topicAlias {
            guard alias <= limits.topicAliasMaximum else {
                protocolError(id, "[MQTT-3.3.2-9] topic alias \(alias) is above the Topic Alias Maximum of \(limits.topicAliasMaximum)",
                              reason: .topicAliasInvalid, code: .topicAliasInvalid, now: now, into: &actions)
                return
            }
            if topic.isEmpty {
                guard let known = connection.topicAliases[alias] else {
                    protocolError(id, "[MQTT-3.3.2-7] topic alias \(alias) was used before this connection set it (aliases do not carry over from an earlier connection)",
                                  reason: .topicAliasInvalid, code: .topicAliasInvalid, now: now, into: &actions)
                    return
                }
                topic = known
            } else {
                connection.topicAliases[alias] = topic
                connections[id] = connection
            }
        }
        if topic.isEmpty {
            protocolError(id, "[MQTT-3.3.2-1] a PUBLISH without a topic name", reason: .protocolViolation, now: now, into: &actions)
            return
        }
        if let problem = topicLimitProblem(topic, limits: limits) {
            if aws {
                awsClose(id, .topicLimit, "\(connection.who) published to a topic that \(problem)", hint: "shorten the topic", topic: topic,
                         now: now, into: &actions)
            } else {
                protocolError(id, "the topic \(topic) \(problem)", reason: .topicLimit, code: .topicNameInvalid, now: now, into: &actions)
            }
            return
        }
        if let maximum = limits.maximumPayload, publish.payload.readableBytes > maximum {
            let explanation = "\(connection.who) published \(publish.payload.readableBytes) bytes to \(topic); this listener allows \(maximum)"
            if aws {
                awsClose(id, .payloadTooLarge, explanation + " (AWS's lifecycle event gives disconnectReason CLIENT_ERROR)",
                         hint: "AWS IoT accepts at most 128 KB per message: split it, or send large data over HTTPS to S3", topic: topic,
                         now: now, into: &actions)
            } else {
                protocolError(id, explanation, reason: .payloadTooLarge, code: .packetTooLarge, now: now, into: &actions)
            }
            return
        }
        if publish.qos.rawValue > limits.maximumQoS {
            if aws {
                awsClose(id, .qosNotSupported, "\(connection.who) published to \(topic) at QoS 2, which AWS IoT does not support",
                         hint: "publish at QoS 0 or 1", topic: topic, now: now, into: &actions)
            } else {
                protocolError(id, "[MQTT-3.2.2-11] a QoS \(publish.qos.rawValue) PUBLISH above the Maximum QoS of \(limits.maximumQoS)",
                              reason: .qosNotSupported, code: .qosNotSupported, now: now, into: &actions)
            }
            return
        }
        let identifier = publish.packetIdentifier ?? 0

        // A QoS 2 message received again before its PUBREL: acknowledge, do not deliver twice ([MQTT-4.3.3-10]).
        if publish.qos == .exactlyOnce, sessions[clientID]?.receivedQoS2.contains(identifier) == true {
            actions.append(.send(id, .pubRec(PubRec(packetIdentifier: identifier))))
            return
        }
        if v5, publish.qos == .exactlyOnce, (sessions[clientID]?.receivedQoS2.count ?? 0) >= Int(limits.receiveMaximum) {
            protocolError(id, "[MQTT-3.3.4-7] more than \(limits.receiveMaximum) QoS 2 messages unreleased (the broker's Receive Maximum)",
                          reason: .receiveMaximumExceeded, code: .receiveMaximumExceeded, now: now, into: &actions)
            return
        }

        if let maximum = limits.maximumPublishesPerSecond, !admitPublish(topic: topic, qos: publish.qos, on: id, maximum: maximum, now: now, into: &actions) {
            return
        }
        if aws, publish.retain, let problem = awsRetainProblem(topic: topic) {
            awsClose(id, .reservedTopicRetain, "\(connection.who) \(problem)", hint: "publish to $ topics without the RETAIN flag", topic: topic,
                     now: now, into: &actions)
            return
        }

        if connection.iot != nil, let problem = iotReservedTopicProblem(topic) {
            connections[id]?.iot?.disconnectReason = .forbiddenAccess
            awsClose(id, .reservedTopic, "\(connection.who) published to \(topic): \(problem)",
                     hint: "publish only to the request topics (…/shadow/update, …/shadow/get, …/jobs/start-next, …) and subscribe to the replies",
                     topic: topic, now: now, into: &actions)
            return
        }
        let levels = TopicLevels(topic)
        if let refusal = policyRefusal(.publish, topic, levels: levels, retain: publish.retain, on: connection, clientID: clientID, now: now,
                                       into: &actions) {
            if refusal.closed { return }
            // Mosquitto: dropped. 3.1.1 cannot say no, so it is acknowledged as if delivered; MQTT 5 hears 0x87.
            let code = acknowledgeDropped(publish, with: .notAuthorized, on: connection, into: &actions)
            let answer = switch publish.qos {
            case .atMostOnce: "the message was dropped"
            case .atLeastOnce: v5 ? "the message was dropped and PUBACK 0x87 (not authorized) sent" : "the message was dropped; MQTT 3.1.1 has no way to say so, so PUBACK was sent as usual"
            case .exactlyOnce: v5 ? "the message was dropped and PUBREC 0x87 (not authorized) sent" : "the message was dropped; MQTT 3.1.1 has no way to say so, so PUBREC was sent as usual"
            }
            event(.refused, .publishDenied, "\(refusal.explanation). \(answer.prefix(1).uppercased() + answer.dropFirst())",
                  hint: refusal.hint, on: connection, topic: topic,
                  sentCode: publish.qos == .atMostOnce ? nil : code.rawValue, into: &actions)
            return
        }

        if publish.retain, let problem = retainedLimitProblem(topic: topic, size: publish.payload.readableBytes) {
            // MQTT 5 can say no (0x97); 3.1.1 cannot, so its message is dropped and acknowledged as usual.
            let code = acknowledgeDropped(publish, with: .quotaExceeded, on: connection, into: &actions)
            event(.refused, .retainedLimit, "\(connection.who) published a retained message to \(topic), but \(problem.explanation); the message was dropped"
                  + (v5 && publish.qos != .atMostOnce ? " and 0x97 (quota exceeded) sent" : ""),
                  hint: "raise \(problem.key) in lab.yaml, or clear retained topics (publish an empty retained message)",
                  on: connection, topic: topic, sentCode: publish.qos == .atMostOnce ? nil : code.rawValue, into: &actions)
            return
        }

        var incoming = publish
        incoming.topic = topic
        let message = ApplicationMessage(incoming, topic: topic, publisher: clientID, now: now)
        let delivered = route(message, levels: levels, now: now, into: &actions)
        switch publish.qos {
        case .atMostOnce: break
        case .atLeastOnce:
            let code: ReasonCode = v5 && delivered == 0 && connection.iot == nil ? .noMatchingSubscribers : .success
            actions.append(.send(id, .pubAck(PubAck(packetIdentifier: identifier, reasonCode: code))))
        case .exactlyOnce:
            sessions[clientID]?.receivedQoS2.insert(identifier)
            let code: ReasonCode = v5 && delivered == 0 ? .noMatchingSubscribers : .success
            actions.append(.send(id, .pubRec(PubRec(packetIdentifier: identifier, reasonCode: code))))
        }
        if connection.iot != nil, let request = IoTReservedTopic(requestTopic: topic) {
            handleIoTRequest(request, topic: topic, payload: publish.payload, from: id, now: now, into: &actions)
        }
    }

    /// Answers a PUBLISH the broker dropped: MQTT 5 hears `refusal` in its PUBACK or PUBREC; MQTT 3.1.1 cannot be told,
    /// so it is acknowledged as if delivered (and a QoS 2 flow is completed as usual). Returns the code sent.
    mutating func acknowledgeDropped(_ publish: Publish, with refusal: ReasonCode, on connection: BrokerConnection,
                                     into actions: inout [BrokerAction]) -> ReasonCode {
        let v5 = connection.version == .v5
        let code: ReasonCode = v5 ? refusal : .success
        let identifier = publish.packetIdentifier ?? 0
        switch publish.qos {
        case .atMostOnce: break
        case .atLeastOnce: actions.append(.send(connection.id, .pubAck(PubAck(packetIdentifier: identifier, reasonCode: code))))
        case .exactlyOnce:
            actions.append(.send(connection.id, .pubRec(PubRec(packetIdentifier: identifier, reasonCode: code))))
            if !v5, let clientID = connection.clientID { sessions[clientID]?.receivedQoS2.insert(identifier) }
        }
        return code
    }

    mutating func handlePubRel(_ rel: PubRel, on id: ConnectionID, into actions: inout [BrokerAction]) {
        guard let clientID = connections[id]?.clientID else { return }
        let known = sessions[clientID]?.receivedQoS2.remove(rel.packetIdentifier) != nil
        let code: ReasonCode = known || connections[id]?.version != .v5 ? .success : .packetIdentifierNotFound
        actions.append(.send(id, .pubComp(PubComp(packetIdentifier: rel.packetIdentifier, reasonCode: code))))
    }

    mutating func handlePubRec(_ rec: PubRec, on id: ConnectionID, now: NIODeadline, into actions: inout [BrokerAction]) {
        guard let clientID = connections[id]?.clientID, let inflight = sessions[clientID]?.inflight[rec.packetIdentifier],
              inflight.stage != .awaitingPubAck else {
            let v5 = connections[id]?.version == .v5
            actions.append(.send(id, .pubRel(PubRel(packetIdentifier: rec.packetIdentifier, reasonCode: v5 ? .packetIdentifierNotFound : .success))))
            return
        }
        if rec.reasonCode.isFailure {
            // An MQTT 5 receiver refused it: the flow ends here.
            sessions[clientID]?.inflight[rec.packetIdentifier] = nil
            pump(clientID, now: now, into: &actions)
            return
        }
        sessions[clientID]?.inflight[rec.packetIdentifier]?.stage = .awaitingPubComp
        actions.append(.send(id, .pubRel(PubRel(packetIdentifier: rec.packetIdentifier))))
    }

    /// A PUBACK or PUBCOMP ended a flow: free the identifier and send what waits.
    mutating func acknowledge(_ identifier: UInt16, stage: Session.Inflight.Stage, on id: ConnectionID, now: NIODeadline,
                              into actions: inout [BrokerAction]) {
        guard let clientID = connections[id]?.clientID, let inflight = sessions[clientID]?.inflight[identifier], inflight.stage == stage else { return }
        sessions[clientID]?.inflight[identifier] = nil
        pump(clientID, now: now, into: &actions)
    }

    /// Delivers a message to every session with a matching subscription; returns how many sessions got it.
    @discardableResult
    mutating func route(_ message: ApplicationMessage, levels: TopicLevels? = nil, now: NIODeadline, into actions: inout [BrokerAction]) -> Int {
        if message.retain { retain(message) }
        let topic = levels ?? TopicLevels(message.topic)
        var matches: [String: (qos: QoS, retain: Bool, identifiers: [Int])] = [:]
        for (filter, entry) in filters where entry.levels.matches(topic: topic) {
            for clientID in entry.clients {
                guard let subscription = sessions[clientID]?.subscriptions[filter] else { continue }
                if subscription.options.noLocal && clientID == message.publisher { continue }
                var match = matches[clientID] ?? (.atMostOnce, false, [])
                match.qos = max(match.qos, subscription.options.qos)
                match.retain = match.retain || (subscription.options.retainAsPublished && message.retain)
                if let identifier = subscription.identifier { match.identifiers.append(identifier) }
                matches[clientID] = match
            }
        }
        for (clientID, match) in matches {
            let outgoing = OutgoingMessage(message: message, qos: min(message.qos, match.qos), retain: match.retain,
                                           subscriptionIdentifiers: match.identifiers)
            deliver(outgoing, to: clientID, topic: topic, now: now, into: &actions)
        }
        return matches.count + routeShared(message, topic: topic, now: now, into: &actions)
    }

    /// Keeps, replaces or clears a topic's retained message ([MQTT-3.3.1-10/11]: an empty one clears the topic).
    /// A will past the caps is delivered but not kept (a PUBLISH past them was refused before it got here).
    mutating func retain(_ message: ApplicationMessage) {
        let size = message.payload.readableBytes
        if size > 0, retainedLimitProblem(topic: message.topic, size: size) != nil { return }
        if let old = retained.removeValue(forKey: message.topic) { retainedBytes -= old.payload.readableBytes + old.topic.utf8.count }
        guard size > 0 else { return }
        retained[message.topic] = message
        retainedBytes += size + message.topic.utf8.count
    }

    /// Why keeping a retained message of `size` bytes on `topic` would break the broker's caps, and the `lab.yaml`
    /// key of that cap; nil when it fits.
    func retainedLimitProblem(topic: String, size: Int) -> (explanation: String, key: String)? {
        guard size > 0 else { return nil }
        let replaced = retained[topic].map { $0.payload.readableBytes + $0.topic.utf8.count } ?? 0
        if retained[topic] == nil, retained.count >= quotas.maximumRetainedMessages {
            return ("the broker already keeps \(retained.count) retained messages, its cap", "broker.max_retained_messages")
        }
        let total = retainedBytes - replaced + size + topic.utf8.count
        if total > quotas.maximumRetainedBytes {
            return ("keeping it would bring the retained messages to \(total) bytes, over the cap of \(quotas.maximumRetainedBytes) bytes",
                    "broker.max_retained_bytes")
        }
        return nil
    }

    /// Sends a message to a session now, or queues it (offline, or its in-flight window is full) — if the session's
    /// owner may read `topic`: every delivery is checked against the policy, whatever subscription matched.
    mutating func deliver(_ outgoing: OutgoingMessage, to clientID: String, topic: TopicLevels, now: NIODeadline,
                          into actions: inout [BrokerAction]) {
        if let permission = sessions[clientID]?.receive, !permission.permits(topic) {
            refuseDelivery(outgoing.message.topic, to: clientID, into: &actions)
            return
        }
        if let session = sessions[clientID], let refusal = iotReceiveRefusal(outgoing.message.topic, session: session) {
            refuseDelivery(outgoing.message.topic, to: clientID, explanation: refusal, into: &actions)
            return
        }
        let online = sessions[clientID]?.connection.flatMap { connections[$0] }.flatMap { $0.stage == .connected ? $0 : nil }
        if outgoing.qos == .atMostOnce {
            if let connection = online {
                send(outgoing.packet(identifier: nil, duplicate: false, version: connection.version, now: now), to: connection, into: &actions)
            }
            return
        }
        // Taken out of the dictionary while it changes, so its queue and in-flight table are not copied.
        guard var session = sessions.removeValue(forKey: clientID) else { return }
        defer { sessions[clientID] = session }
        guard let connection = online, session.inflight.count < connection.receiveMaximum else {
            enqueue(outgoing, in: &session, into: &actions)
            return
        }
        let identifier = session.allocateIdentifier()
        if send(outgoing.packet(identifier: identifier, duplicate: false, version: connection.version, now: now), to: connection, into: &actions) {
            session.track(outgoing, identifier: identifier)
        }
    }

    /// Leaves a message out that the session's owner may not read; the first of a connection is an event.
    mutating func refuseDelivery(_ topic: String, to clientID: String, explanation: String? = nil, into actions: inout [BrokerAction]) {
        sessions[clientID]?.receiveDenied += 1
        guard let session = sessions[clientID], session.receiveDenied == 1, let id = session.connection, let connection = connections[id] else { return }
        if let explanation {
            event(.refused, .receiveDenied,
                  "\(connection.who) holds a subscription that matches \(topic), but \(explanation); the message was left out, and so will be every other it may not receive (AWS IoT checks iot:Receive at each delivery)",
                  hint: "allow iot:Receive on topic/… in the policy attached to its certificate, or subscribe more narrowly", on: connection, topic: topic,
                  into: &actions)
            return
        }
        event(.refused, .receiveDenied,
              "\(connection.who) holds a subscription that matches \(topic), which the policy does not let it read; the message was left out, and so will be every other it may not read (as Mosquitto's read ACL and AWS IoT's iot:Receive do)",
              hint: "subscribe to what the policy allows, or allow subscribe to this topic in policy: in lab.yaml", on: connection, topic: topic,
              into: &actions)
    }

    /// Queues a QoS 1/2 message; when the queue is full the message is dropped, and the first drop of a run is an event.
    mutating func enqueue(_ outgoing: OutgoingMessage, in session: inout Session, into actions: inout [BrokerAction]) {
        let size = outgoing.message.payload.readableBytes + outgoing.message.topic.utf8.count
        guard session.queue.count >= session.queueLimit || session.queuedBytes + size > session.queueByteLimit else {
            session.queue.append(outgoing)
            session.queuedBytes += size
            return
        }
        session.droppedMessages += 1
        guard session.droppedMessages == 1, let id = session.connection, let connection = connections[id] else { return }
        event(.refused, .queueFull,
              "\(connection.who) is not keeping up: \(session.queue.count) QoS 1/2 messages (\(session.queuedBytes) bytes) wait for it behind its in-flight window of \(connection.receiveMaximum), so new ones are dropped (as Mosquitto's max_queued_messages does)",
              hint: "acknowledge faster, or raise the client's Receive Maximum (MQTT 5)", on: connection, topic: outgoing.message.topic, into: &actions)
    }

    /// Writes a PUBLISH unless it is larger than the client accepts (then it is dropped, [MQTT-3.1.2-25]).
    @discardableResult
    func send(_ publish: Publish, to connection: BrokerConnection, into actions: inout [BrokerAction]) -> Bool {
        // Forwarding can grow a packet (an alias expanded, properties added): never past what MQTT can encode.
        if publish.payload.readableBytes + publish.topic.utf8.count + 1024 > VariableByteInteger.maximum { return false }
        if let maximum = connection.maximumPacketSize {
            var scratch = ByteBuffer()
            MQTTPacket.publish(publish).encode(into: &scratch, version: connection.version)
            if scratch.readableBytes > maximum { return false }
        }
        actions.append(.send(connection.id, .publish(publish)))
        return true
    }

    /// Sends queued messages while the session's in-flight window has room.
    mutating func pump(_ clientID: String, now: NIODeadline, into actions: inout [BrokerAction]) {
        guard let id = sessions[clientID]?.connection, let connection = connections[id], connection.stage == .connected,
              var session = sessions.removeValue(forKey: clientID) else { return }
        defer { sessions[clientID] = session }
        if session.queue.isEmpty && session.droppedMessages > 0 && session.connection != nil { session.droppedMessages = 0 }
        while session.inflight.count < connection.receiveMaximum, let next = session.queue.popFirst() {
            session.queuedBytes -= next.message.payload.readableBytes + next.message.topic.utf8.count
            if next.message.isExpired(at: now) { continue }
            let identifier = session.allocateIdentifier()
            if send(next.packet(identifier: identifier, duplicate: false, version: connection.version, now: now), to: connection, into: &actions) {
                session.track(next, identifier: identifier)
            }
        }
    }

    /// After a reconnection: in-flight messages again with DUP set, PUBRELs again, then the queue ([MQTT-4.4.0-1]).
    mutating func resume(_ clientID: String, now: NIODeadline, into actions: inout [BrokerAction]) {
        guard let id = sessions[clientID]?.connection, let connection = connections[id],
              var session = sessions.removeValue(forKey: clientID) else { return }
        var resent = 0
        var requeue: [OutgoingMessage] = []
        for (identifier, inflight) in session.inflightInOrder {
            switch inflight.stage {
            case .awaitingPubAck, .awaitingPubRec:
                // The new connection may allow fewer in flight than the old one had: the rest wait in the queue.
                guard resent < connection.receiveMaximum else {
                    session.inflight[identifier] = nil
                    requeue.append(inflight.outgoing)
                    continue
                }
                let packet = inflight.outgoing.packet(identifier: identifier, duplicate: true, version: connection.version, now: now)
                if send(packet, to: connection, into: &actions) { resent += 1 } else { session.inflight[identifier] = nil }
            case .awaitingPubComp:
                actions.append(.send(id, .pubRel(PubRel(packetIdentifier: identifier))))
            }
        }
        for outgoing in requeue.reversed() {
            session.queue.prepend(outgoing)
            session.queuedBytes += outgoing.message.payload.readableBytes + outgoing.message.topic.utf8.count
        }
        sessions[clientID] = session
        pump(clientID, now: now, into: &actions)
    }
}
