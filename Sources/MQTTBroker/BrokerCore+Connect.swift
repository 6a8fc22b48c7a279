import AWSIoT
import MQTTCodec
import NIOCore

extension BrokerCore {
    mutating func handleConnect(_ connect: Connect, on id: ConnectionID, now: NIODeadline, into actions: inout [BrokerAction]) {
        guard var connection = connections[id] else { return }
        connection.version = connect.protocolVersion
        let v5 = connect.protocolVersion == .v5
        let aws = connection.behaviour == .aws
        var clientID = connect.clientIdentifier
        connection.clientID = clientID.isEmpty ? nil : clientID
        connections[id] = connection

        func refuse(_ code: ReasonCode, _ reason: BrokerEvent.Reason, _ explanation: String, hint: String?) {
            guard let connection = connections[id] else { return }
            if aws {
                awsClose(id, reason, explanation, hint: hint, now: now, into: &actions)
                return
            }
            let sent = v5 ? code : ReasonCode(code.connectReturnCode ?? .notAuthorized)
            actions.append(.send(id, .connAck(ConnAck(reasonCode: sent, properties: v5 ? [.reasonString(explanation)] : []))))
            event(.refused, reason, explanation, hint: hint, on: connection,
                  sentCode: v5 ? code.rawValue : (code.connectReturnCode ?? .notAuthorized).rawValue, closing: true, into: &actions)
            close(id, abnormal: false, now: now, into: &actions)
        }

        if v5, connect.properties.elements.contains(where: { if case .authenticationMethod = $0 { return true } else { return false } }) {
            refuse(.badAuthenticationMethod, .badAuthenticationMethod, "the CONNECT asks for MQTT 5 enhanced authentication, which this broker does not offer",
                   hint: "the lab authenticates clients by their certificate; drop the authentication method")
            return
        }
        if aws && connection.identity == nil {
            refuse(.notAuthorized, .noIdentity, "\(connection.who) has no certificate identity, and AWS IoT needs one (the thing name)",
                   hint: "connect with a lab client certificate")
            return
        }
        if clientID.isEmpty {
            if aws {
                refuse(.clientIdentifierNotValid, .clientIDMismatch,
                       "\(connection.who) connected with an empty client id; AWS IoT needs the thing name \"\(connection.identity?.name ?? "")\"",
                       hint: "set the client id to the certificate's identity")
                return
            }
            if !v5 && !connect.cleanSession {
                refuse(.clientIdentifierNotValid, .clientIDRejected,
                       "an empty client id with clean session 0 ([MQTT-3.1.3-8]): the broker cannot keep a session for nobody",
                       hint: "give the client an id, or connect with clean session 1")
                return
            }
            clientID = assignClientID()
            connections[id]?.clientID = clientID
        }
        if clientID.utf8.count > connection.limits.maximumClientIDLength {
            refuse(.clientIdentifierNotValid, .clientIDRejected,
                   "the client id is \(clientID.utf8.count) bytes; this listener allows \(connection.limits.maximumClientIDLength)",
                   hint: "use a shorter client id")
            return
        }
        if aws, twin == nil, let identity = connection.identity, clientID != identity.name {
            refuse(.notAuthorized, .clientIDMismatch,
                   "\(identity.name) connected with client id \"\(clientID)\"; AWS IoT requires the client id to be the thing name \"\(identity.name)\" (the certificate's identity)",
                   hint: "set the client id to \"\(identity.name)\", or give this device its own certificate")
            return
        }
        if connection.limits.throttlesConnects, let refusal = connectThrottleRefusal(clientID, on: connection, now: now) {
            refuse(.connectionRateExceeded, .connectThrottled, refusal.explanation, hint: refusal.hint)
            return
        }
        // The AWS IoT twin: a registered, ACTIVE certificate, then iot:Connect (and the will) under its policies.
        var admitted: IoTAccess?
        if aws, let twin {
            switch iotAdmission(connect, connection: connection, clientID: clientID, twin: twin) {
            case .admitted(var access):
                access.versionNumber = nextLifecycleVersion(clientID)
                admitted = access
            case .refused(let reason, let explanation, let hint, let connectFailed):
                // MQTT 5 hears CONNACK 0x87 for a policy refusal; an unknown or inactive certificate, and MQTT 3.1.1, hear nothing.
                let sent = connectFailed && v5
                if sent { actions.append(.send(id, .connAck(ConnAck(reasonCode: .notAuthorized)))) }
                event(.refused, reason, explanation + (sent ? "; CONNACK 0x87 (not authorized) sent and the connection closed, as AWS IoT does for MQTT 5"
                                                                : "; as AWS IoT does, the broker closed the connection without a reply"),
                      hint: hint, on: connection, sentCode: sent ? ReasonCode.notAuthorized.rawValue : nil, closing: true, into: &actions)
                close(id, abnormal: false, now: now, into: &actions)
                if connectFailed, let principal = connection.identity?.fingerprint {
                    publishConnectFailed(clientID, principal: IoTTwin.certificateID(principal), now: now, into: &actions)
                }
                return
            }
        }
        // A session belongs to the identity that made it: another identity with the same client id would resume it,
        // read its queue and push its owner off, so it is refused before anything of the session is touched.
        if let existing = sessions[clientID], !existing.belongs(to: connection.identity) {
            let online = existing.connection.flatMap { connections[$0] }.map { " (connected from \($0.peer))" } ?? " (offline, kept for it)"
            let requester = connection.identity.map { "\($0.name) (certificate \($0.subject))" } ?? "a client without a certificate at \(connection.peer)"
            refuse(.clientIdentifierNotValid, .clientIDInUse,
                   "\(requester) asked for client id \"\(clientID)\", which belongs to the session of \(existing.ownerDescription)\(online); the broker refused the connection and left that session alone",
                   hint: "give every device its own client id (the lab's policy templates use ${identity}); the id is free again once its owner ends the session (clean session, or expiry)")
            return
        }
        if sessions[clientID] == nil, sessions.count >= quotas.maximumSessions {
            refuse(.quotaExceeded, .sessionLimit,
                   "the broker already holds \(sessions.count) sessions (connected clients and persistent sessions), its cap; \(connection.who) was refused",
                   hint: "raise broker.max_sessions in lab.yaml, or let clients use clean sessions so theirs end with the connection")
            return
        }
        if let will = connect.will {
            if aws && will.qos == .exactlyOnce {
                refuse(.qosNotSupported, .qosNotSupported, "the will asks for QoS 2, which AWS IoT does not support", hint: "use QoS 0 or 1 for the will")
                return
            }
            if let problem = topicLimitProblem(will.topic, limits: connection.limits) {
                refuse(.topicNameInvalid, .topicLimit, "the will topic \(will.topic) \(problem)", hint: "use a shorter will topic")
                return
            }
            if let policy, admitted == nil {
                let decision = policy.decide(.publish, will.topic, identity: connection.identity, clientID: clientID)
                if !decision.allowed {
                    let who = connections[id]?.who ?? connection.who
                    refuse(.notAuthorized, .willDenied, "\(who) set a will on \(will.topic), which it may not publish to; \(decision.reason)",
                           hint: "set the will on a topic the policy allows, or change policy: in lab.yaml")
                    return
                }
            }
        }

        // Keep-alive, clamped as the listener says.
        var keepAlive = connect.keepAlive
        if keepAlive == 0, let replacement = connection.limits.keepAliveWhenZero { keepAlive = replacement }
        if let range = connection.limits.keepAliveRange { keepAlive = min(max(keepAlive, range.lowerBound), range.upperBound) }

        // Session expiry: 3.1.1 clean session 0 keeps the session for ever; MQTT 5 says how long.
        var expiry: UInt32 = v5 ? (connect.properties.sessionExpiryInterval ?? 0) : (connect.cleanSession ? 0 : connection.limits.persistentSessionExpiry)
        if let maximum = connection.limits.maximumSessionExpiry { expiry = min(expiry, maximum) }

        // Take-over: a second connection with this client id closes the first ([MQTT-3.1.4-2]).
        var notes: [String] = []
        if let existing = sessions[clientID], let old = existing.connection, old != id, let oldConnection = connections[old] {
            if oldConnection.version == .v5 { actions.append(.send(old, .disconnect(Disconnect(reasonCode: .sessionTakenOver)))) }
            let takeover = takeoverWords(of: oldConnection, by: connection, clientID: clientID)
            event(.closed, .sessionTakenOver, takeover.explanation, hint: takeover.hint, on: oldConnection,
                  sentCode: oldConnection.version == .v5 ? ReasonCode.sessionTakenOver.rawValue : nil, closing: true, into: &actions)
            connections[old]?.iot?.disconnectReason = .duplicateClientID
            close(old, abnormal: true, now: now, into: &actions)
            notes.append("it took over the session of the connection from \(oldConnection.peer)")
        }
        if connect.cleanSession, let old = sessions[clientID] {
            // Clean Start ends the old session, and a will still waiting out its delay goes out with it (§3.1.3.2.2).
            if let pending = old.pendingWill {
                route(pending.message, now: now, into: &actions)
                notes.append("the old session's delayed will was published as Clean Start ended the session")
            }
            removeSession(clientID)
        }
        let sessionPresent = sessions[clientID] != nil
        var session = sessions[clientID] ?? Session(clientID: clientID, owner: connection.identity)
        session.receive = admitted == nil ? policy?.permission(.subscribe, identity: connection.identity, clientID: clientID) : nil
        session.iot = admitted
        session.receiveDenied = 0
        if session.pendingWill != nil {
            session.pendingWill = nil
            notes.append("its delayed will was cancelled by the reconnection ([MQTT-3.1.3-9])")
        }
        session.connection = id
        session.queueLimit = connection.limits.maximumQueuedMessages
        session.queueByteLimit = connection.limits.maximumQueuedBytes
        session.expiryInterval = expiry
        session.expiresAt = nil
        sessions[clientID] = session

        guard var connection = connections[id] else { return }
        connection.stage = .connected
        connection.clientID = clientID
        connection.keepAlive = keepAlive
        connection.will = connect.will
        connection.willDelay = v5 ? connect.will?.properties.elements.lazy.compactMap {
            if case .willDelayInterval(let seconds) = $0 { return seconds } else { return nil }
        }.first ?? 0 : 0
        connection.sessionExpiryInterval = expiry
        connection.publishPermission = admitted == nil ? policy?.permission(.publish, identity: connection.identity, clientID: clientID) : nil
        connection.iot = admitted
        if v5 {
            connection.receiveMaximum = connect.properties.elements.lazy.compactMap {
                if case .receiveMaximum(let value) = $0 { return Int(value) } else { return nil }
            }.first ?? 65_535
            if let cap = connection.limits.maximumOutboundInflight { connection.receiveMaximum = min(connection.receiveMaximum, cap) }
            connection.maximumPacketSize = connect.properties.maximumPacketSize.map(Int.init)
        } else {
            connection.receiveMaximum = connection.limits.inflightForV311
        }
        connections[id] = connection

        var properties: [Property] = []
        if v5 {
            let limits = connection.limits
            properties = [.receiveMaximum(limits.receiveMaximum), .maximumPacketSize(UInt32(clamping: limits.maximumPacketSize)),
                          .topicAliasMaximum(limits.topicAliasMaximum), .retainAvailable(true), .wildcardSubscriptionAvailable(true),
                          .subscriptionIdentifierAvailable(limits.subscriptionIdentifiersAvailable),
                          .sharedSubscriptionAvailable(limits.sharedSubscriptionsAvailable)]
            if limits.maximumQoS < 2, let qos = QoS(rawValue: limits.maximumQoS) { properties.append(.maximumQoS(qos)) }
            if connect.clientIdentifier.isEmpty { properties.append(.assignedClientIdentifier(clientID)) }
            if keepAlive != connect.keepAlive { properties.append(.serverKeepAlive(keepAlive)) }
            if let asked = connect.properties.sessionExpiryInterval, asked != expiry { properties.append(.sessionExpiryInterval(expiry)) }
        }
        actions.append(.send(id, .connAck(ConnAck(sessionPresent: sessionPresent, reasonCode: .success, properties: Properties(properties)))))

        var details = ["\(connect.protocolVersion)", "keep-alive \(keepAlive) s" + (keepAlive != connect.keepAlive ? " (asked \(connect.keepAlive) s)" : "")]
        if v5 {
            details.append(expiry == 0 ? "session ends with the connection" : "session expiry \(expiry == UInt32.max ? "never" : "\(expiry) s")")
        } else {
            details.append(connect.cleanSession ? "clean session" : "persistent session, kept \(expiry == UInt32.max ? "for ever" : "\(expiry) s") after it goes")
        }
        if sessionPresent {
            let waiting = session.inflight.count + session.queue.count
            details.append("session resumed with \(session.subscriptions.count) subscription(s) and \(waiting) message(s) waiting")
            if session.droppedMessages > 0 {
                notes.append("\(session.droppedMessages) message(s) for it were dropped while its queue was full (\(session.queueLimit))")
                sessions[clientID]?.droppedMessages = 0
            }
        }
        if let will = connect.will { details.append("will on \(will.topic)") }
        if connect.clientIdentifier.isEmpty { details.append("client id assigned by the broker") }
        if let admitted {
            let thing = admitted.thingName.map { "thing \($0)" } ?? "no thing (the client id names no thing its certificate is attached to)"
            notes.append("AWS IoT twin: certificate \(admitted.principal.certificateID.prefix(12))… ACTIVE, \(thing), policies \(admitted.principal.policyNames.joined(separator: ", "))")
        } else if policy == nil {
            notes.append("no policy in lab.yaml: it may publish and subscribe anywhere")
        }
        let sentence = "\(connection.who) connected as client id \"\(clientID)\" (\(details.joined(separator: ", ")))"
            + (notes.isEmpty ? "" : "; " + notes.joined(separator: "; "))
        event(.connected, .connected, sentence, on: connection, sentCode: 0, into: &actions)
        if let admitted { publishConnected(admitted, clientID: clientID, peer: connection.peer, now: now, into: &actions) }

        // What waited for it: unacknowledged messages again (DUP), then the queue.
        resume(clientID, now: now, into: &actions)
    }

    /// Why a topic breaks the listener's limits, or nil.
    func topicLimitProblem(_ topic: String, limits: BrokerLimits) -> String? {
        if let maximum = limits.maximumTopicLength, topic.utf8.count > maximum {
            return "is \(topic.utf8.count) bytes; this listener allows \(maximum)"
        }
        if let maximum = limits.maximumTopicSlashes {
            let slashes = topic.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "/") ? 1 : 0) }
            if slashes > maximum { return "has \(slashes) slashes; this listener allows \(maximum)" }
        }
        return nil
    }

    /// A client id for a client that sent none: `auto-` and a random UUID, as Mosquitto does, so that nobody can
    /// guess it, and never the id of a session that exists ([MQTT-3.1.3-6]).
    func assignClientID() -> String {
        while true {
            let candidate = "auto-" + Self.uuid()
            if sessions[candidate] == nil { return candidate }
        }
    }
}
