import AWSIoT
import MQTTCodec
import NIOCore

/// The broker as a state machine, without sockets: every step takes what a connection did and returns the
/// packets to send, the connections to close and the events to record, in order. The I/O layer owns the
/// clock (it passes `now`) and serialises calls.
public struct BrokerCore: Sendable {
    /// nil: everything is allowed.
    public private(set) var policy: BrokerPolicy?
    /// The caps across all listeners.
    public let quotas: BrokerQuotas
    /// The AWS IoT twin its `aws` listeners serve (policy documents, registry, shadows, jobs); nil: `policy` for all.
    public internal(set) var twin: IoTTwin?
    var connections: [ConnectionID: BrokerConnection] = [:]
    var sessions: [String: Session] = [:]
    /// Every subscribed filter, with the client ids holding it (so routing looks at filters, not sessions).
    var filters: [String: (levels: TopicLevels, clients: Set<String>)] = [:]
    var retained: [String: ApplicationMessage] = [:]
    /// Payload and topic bytes of ``retained``.
    var retainedBytes = 0
    /// The earliest delayed will or session expiry, so ``tick(now:)`` is cheap when nothing is due.
    var nextDeadline: NIODeadline?
    /// Shared subscription groups by their whole filter, `$share/<ShareName>/<filter>` (MQTT 5.0 §4.8.2); they are
    /// not in ``filters``, so routing gives each group's messages to one member.
    var sharedGroups: [String: SharedSubscriptionGroup] = [:]
    /// Picks a shared group's member under the aws behaviour (AWS IoT picks at random); tests seed it.
    var memberChooser = SeededGenerator()
    /// AWS IoT's one CONNECT per second per client id (aws behaviour).
    var connectThrottle = ConnectThrottle()
    /// Connections whose publishes past AWS IoT's 100 per second were dropped, to be told when their second is over.
    var throttledPublishes: [ConnectionID: ThrottledPublishes] = [:]

    public init(policy: BrokerPolicy?, quotas: BrokerQuotas = BrokerQuotas(), twin: IoTTwin? = nil) {
        self.policy = policy
        self.quotas = quotas
        self.twin = twin
    }

    /// Puts a new policy in force for every session at once: what each may receive is compiled again, and queued
    /// messages it may no longer read are dropped. Subscriptions stay; delivery checks every message anyway.
    public mutating func replacePolicy(_ policy: BrokerPolicy?) {
        self.policy = policy
        for (id, connection) in connections {
            guard let clientID = connection.clientID, connection.stage == .connected, connection.iot == nil else { continue }
            connections[id]?.publishPermission = policy?.permission(.publish, identity: connection.identity, clientID: clientID)
        }
        for clientID in Array(sessions.keys) {
            guard var session = sessions.removeValue(forKey: clientID) else { continue }
            guard session.iot == nil else {
                sessions[clientID] = session
                continue
            }
            session.receive = policy?.permission(.subscribe, identity: session.owner, clientID: clientID)
            if let permission = session.receive {
                let kept = session.queue.filter { permission.permits(TopicLevels($0.message.topic)) }
                session.queue = CircularBuffer(kept)
                session.queuedBytes = kept.reduce(0) { $0 + $1.message.payload.readableBytes + $1.message.topic.utf8.count }
            }
            sessions[clientID] = session
        }
    }

    /// Counts, for `pkilab up` and tests.
    public var statistics: (connections: Int, sessions: Int, subscriptions: Int, retained: Int) {
        (connections.count, sessions.count, sessions.values.reduce(0) { $0 + $1.subscriptions.count }, retained.count)
    }

    /// A network connection was accepted (after TLS, with the identity its certificate gives, if any).
    public mutating func open(_ id: ConnectionID, listener: BrokerConfiguration, identity: ClientIdentity?, peer: String) {
        connections[id] = BrokerConnection(id: id, listener: listener, identity: identity, peer: peer)
    }

    /// The keep-alive to enforce on a connection, times 1.5 ([MQTT-3.1.2-24]); nil for none.
    public func keepAliveTimeout(_ id: ConnectionID) -> TimeAmount? {
        guard let connection = connections[id], connection.stage == .connected, connection.keepAlive > 0 else { return nil }
        return .milliseconds(Int64(connection.keepAlive) * 1500)
    }

    /// The protocol version the connection speaks (MQTT 3.1.1 until its CONNECT says otherwise).
    public func protocolVersion(_ id: ConnectionID) -> ProtocolVersion {
        connections[id]?.version ?? .v311
    }

    /// The largest packet this connection may send, for its decoder.
    public func maximumPacketSize(_ id: ConnectionID) -> Int {
        connections[id]?.limits.maximumPacketSize ?? MQTTPacket.largestPacketSize
    }

    /// A packet arrived.
    public mutating func receive(_ packet: MQTTPacket, from id: ConnectionID, now: NIODeadline) -> [BrokerAction] {
        guard let connection = connections[id], connection.stage != .closed else { return [] }
        var actions: [BrokerAction] = []
        if connection.stage == .awaitingConnect {
            guard case .connect(let connect) = packet else {
                protocolError(id, "[MQTT-3.1.0-1] the first packet was a \(packet.type), not a CONNECT", reason: .protocolViolation, now: now,
                              into: &actions)
                return actions
            }
            handleConnect(connect, on: id, now: now, into: &actions)
            return actions
        }
        switch packet {
        case .connect:
            protocolError(id, "[MQTT-3.1.0-2] a second CONNECT on the same connection", reason: .protocolViolation, now: now, into: &actions)
        case .publish(let publish):
            handlePublish(publish, from: id, now: now, into: &actions)
        case .pubAck(let ack):
            acknowledge(ack.packetIdentifier, stage: .awaitingPubAck, on: id, now: now, into: &actions)
        case .pubRec(let rec):
            handlePubRec(rec, on: id, now: now, into: &actions)
        case .pubRel(let rel):
            handlePubRel(rel, on: id, into: &actions)
        case .pubComp(let comp):
            acknowledge(comp.packetIdentifier, stage: .awaitingPubComp, on: id, now: now, into: &actions)
        case .subscribe(let subscribe):
            handleSubscribe(subscribe, on: id, now: now, into: &actions)
        case .unsubscribe(let unsubscribe):
            handleUnsubscribe(unsubscribe, on: id, now: now, into: &actions)
        case .pingReq:
            actions.append(.send(id, .pingResp(PingResp())))
        case .disconnect(let disconnect):
            handleDisconnect(disconnect, on: id, now: now, into: &actions)
        case .auth:
            protocolError(id, "an AUTH packet, but no authentication method was agreed in CONNECT (MQTT 5.0 §4.12)", reason: .protocolViolation,
                          now: now, into: &actions)
        case .connAck, .subAck, .unsubAck, .pingResp:
            protocolError(id, "the client sent a \(packet.type), which only a server sends", reason: .protocolViolation, now: now, into: &actions)
        }
        return actions
    }

    /// The decoder refused what the connection sent.
    public mutating func malformed(_ error: MQTTCodecError, from id: ConnectionID, now: NIODeadline) -> [BrokerAction] {
        guard let connection = connections[id], connection.stage != .closed else { return [] }
        var actions: [BrokerAction] = []
        if connection.stage == .awaitingConnect, error.code == .unsupportedProtocolVersion || error.code == .invalidProtocolName {
            // An MQTT 5 CONNECT (level 5) with a bad protocol name hears the v5 CONNACK 0x84 ([MQTT-3.1.2-1]);
            // any other level hears CONNACK 0x01, the 3.1.1 form every version can read ([MQTT-3.1.2-2]). Then close.
            let v5 = error.code == .invalidProtocolName && error.protocolLevel == ProtocolVersion.v5.rawValue
            if v5 { connections[id]?.version = .v5 }
            actions.append(.send(id, .connAck(ConnAck(reasonCode: .unsupportedProtocolVersion, properties: v5 ? [.reasonString(error.message)] : []))))
            event(.refused, .unsupportedProtocolVersion, "the CONNECT was refused: \(error.message)",
                  hint: (error.code == .invalidProtocolName ? "the protocol name must be \"MQTT\" (MQTT 3.1 sends \"MQIsdp\"); " : "")
                    + "use MQTT 3.1.1 (protocol level 4) or 5.0 (level 5); mosquitto_pub: -V mqttv311 or -V mqttv5",
                  on: connection, sentCode: v5 ? ReasonCode.unsupportedProtocolVersion.rawValue : ConnectReturnCode.unacceptableProtocolVersion.rawValue,
                  closing: true, into: &actions)
            close(id, abnormal: true, now: now, into: &actions)
            return actions
        }
        let reason: BrokerEvent.Reason = switch error.code {
        case .packetTooLarge: .packetTooLarge
        case .protocolViolation: .protocolViolation
        default: .malformedPacket
        }
        protocolError(id, error.message, reason: reason, code: error.reasonCode, now: now, into: &actions)
        return actions
    }

    /// The connection is gone: the peer closed it, I/O failed, or the I/O layer carried out a ``BrokerAction/close(_:)``.
    public mutating func connectionLost(_ id: ConnectionID, detail: String, now: NIODeadline) -> [BrokerAction] {
        guard let connection = connections[id] else { return [] }
        var actions: [BrokerAction] = []
        if connection.stage == .connected {
            let will = willFate(of: connection).map { " \($0)." } ?? ""
            event(.closed, .connectionLost, "\(connection.who) went away without DISCONNECT (\(detail)).\(will)",
                  hint: "a device that loses power or Wi-Fi looks like this; one that sends DISCONNECT first does not fire its will",
                  on: connection, into: &actions)
        }
        close(id, abnormal: true, now: now, into: &actions, sendsClose: false)
        connections[id] = nil
        return actions
    }

    /// No packet arrived within 1.5 × keep-alive.
    public mutating func keepAliveExpired(_ id: ConnectionID, now: NIODeadline) -> [BrokerAction] {
        guard let connection = connections[id], connection.stage == .connected else { return [] }
        var actions: [BrokerAction] = []
        connections[id]?.iot?.disconnectReason = .mqttKeepAliveTimeout
        if connection.version == .v5 { actions.append(.send(id, .disconnect(Disconnect(reasonCode: .keepAliveTimeout)))) }
        let will = willFate(of: connection).map { ". \($0)." } ?? ""
        event(.closed, .keepAliveTimeout,
              "\(connection.who) sent nothing for \(Double(connection.keepAlive) * 1.5) s (1.5 × its keep-alive of \(connection.keepAlive) s); the broker closed the connection\(will)",
              hint: "the client must send PINGREQ when it has nothing else to send; a blocked network loop on the device stops them",
              on: connection, sentCode: connection.version == .v5 ? ReasonCode.keepAliveTimeout.rawValue : nil, closing: true, into: &actions)
        close(id, abnormal: true, now: now, into: &actions)
        return actions
    }

    /// Publishes delayed wills and drops expired sessions whose time has come, and tells the publishes the aws
    /// behaviour dropped in a second that is over.
    public mutating func tick(now: NIODeadline) -> [BrokerAction] {
        var actions: [BrokerAction] = []
        reportThrottledPublishes(now: now, into: &actions)
        guard let next = nextDeadline, next <= now else { return actions }
        var earliest: NIODeadline?
        for clientID in Array(sessions.keys) {
            guard var session = sessions[clientID] else { continue }
            if let pending = session.pendingWill {
                if pending.at <= now {
                    session.pendingWill = nil
                    sessions[clientID] = session
                    route(pending.message, now: now, into: &actions)
                } else {
                    earliest = min(earliest ?? pending.at, pending.at)
                }
            }
            guard let session = sessions[clientID], session.connection == nil, let expiresAt = session.expiresAt else { continue }
            if expiresAt <= now {
                if let pending = session.pendingWill { route(pending.message, now: now, into: &actions) }
                removeSession(clientID)
            } else {
                earliest = min(earliest ?? expiresAt, expiresAt)
            }
        }
        nextDeadline = earliest
        return actions
    }

    /// The server is stopping: tell MQTT 5 clients so, and close every connection.
    public mutating func shutdown() -> [BrokerAction] {
        var actions: [BrokerAction] = []
        for (id, connection) in connections where connection.stage == .connected {
            if connection.version == .v5 { actions.append(.send(id, .disconnect(Disconnect(reasonCode: .serverShuttingDown)))) }
            actions.append(.close(id))
            connections[id]?.stage = .closed
        }
        return actions
    }

    // MARK: Shared steps

    func event(_ kind: BrokerEvent.Kind, _ reason: BrokerEvent.Reason, _ explanation: String, hint: String? = nil, on connection: BrokerConnection,
               topic: String? = nil, sentCode: UInt8? = nil, closing: Bool = false, into actions: inout [BrokerAction]) {
        actions.append(.event(BrokerEvent(connection: connection.id, kind: kind, reason: reason, explanation: explanation, hint: hint,
                                          clientID: connection.clientID, identity: connection.identity?.name,
                                          protocolVersion: connection.stage == .awaitingConnect && connection.clientID == nil ? nil : connection.version,
                                          topic: topic, sentCode: sentCode, closedConnection: closing)))
    }

    /// Ends a connection for a protocol error: MQTT 5 clients get a DISCONNECT with the reason code first.
    mutating func protocolError(_ id: ConnectionID, _ message: String, reason: BrokerEvent.Reason, code: ReasonCode = .protocolError, now: NIODeadline,
                                into actions: inout [BrokerAction]) {
        guard let connection = connections[id] else { return }
        if connection.iot?.disconnectReason == nil { connections[id]?.iot?.disconnectReason = .clientError }
        let v5 = connection.stage == .connected && connection.version == .v5
        if v5 { actions.append(.send(id, .disconnect(Disconnect(reasonCode: code, properties: [.reasonString(message)])))) }
        event(.refused, reason, "\(connection.who) broke the MQTT protocol: \(message); the broker closed the connection",
              hint: "this is a bug in the client library or the device code; the rule id in brackets is the spec's", on: connection,
              sentCode: v5 ? code.rawValue : nil, closing: true, into: &actions)
        close(id, abnormal: true, now: now, into: &actions)
    }

    /// Refuses silently, as AWS IoT does: the connection is closed without a reply.
    mutating func awsClose(_ id: ConnectionID, _ reason: BrokerEvent.Reason, _ explanation: String, hint: String?, topic: String? = nil,
                           now: NIODeadline, into actions: inout [BrokerAction]) {
        guard let connection = connections[id] else { return }
        if connection.iot?.disconnectReason == nil { connections[id]?.iot?.disconnectReason = .clientError }
        event(.refused, reason, explanation + "; as AWS IoT does, the broker closed the connection without a reply", hint: hint,
              on: connection, topic: topic, closing: true, into: &actions)
        close(id, abnormal: true, now: now, into: &actions)
    }

    /// Asks the policy about `action` on `target`; nil when allowed. A refusal is explained in the returned sentence;
    /// under the aws behaviour the connection is already closed (and `closed` is true).
    mutating func policyRefusal(_ action: PolicyRule.Action, _ target: String, levels: TopicLevels? = nil, retain: Bool = false,
                                on connection: BrokerConnection, clientID: String, now: NIODeadline,
                                into actions: inout [BrokerAction]) -> (explanation: String, hint: String, closed: Bool)? {
        if let access = connection.iot {
            return iotRefusal(action, target, retain: retain, access: access, on: connection, now: now, into: &actions)
        }
        guard let policy else { return nil }
        // The common case first: a publish the connection's compiled permission allows.
        if action == .publish, let permission = connection.publishPermission, permission.permits(levels ?? TopicLevels(target)) { return nil }
        let decision = action == .subscribe
            ? policy.decideSubscription(target, check: connection.listener.subscriptionCheck, identity: connection.identity, clientID: clientID)
            : policy.decide(action, target, identity: connection.identity, clientID: clientID)
        guard !decision.allowed else { return nil }
        let verb = action == .publish ? "publish to" : "subscribe to"
        let explanation = "\(connection.who) tried to \(verb) \(target); \(decision.reason)"
        let hint = action == .publish ? "publish under a topic the policy allows, or change policy: in lab.yaml"
            : "subscribe to a filter the policy allows, or change policy: in lab.yaml"
        guard connection.behaviour == .aws else { return (explanation, hint, false) }
        awsClose(connection.id, BrokerEvent.Reason(denied: action), explanation, hint: hint, topic: target, now: now, into: &actions)
        return (explanation, hint, true)
    }

    /// How long after an abnormal end the connection's will goes out, 0 for at once: the smaller of its Will Delay
    /// Interval and its session's expiry ([MQTT-3.1.3-9]). Nil without a will, or once the session is not its own.
    func willDelay(of connection: BrokerConnection) -> UInt32? {
        guard connection.will != nil, connection.stage == .connected, let clientID = connection.clientID,
              let session = sessions[clientID], session.connection == connection.id else { return nil }
        return min(connection.willDelay, session.expiryInterval)
    }

    /// What an abnormal end does with the connection's will, as a sentence without its full stop (nil without a
    /// will): published now, or scheduled, and for when.
    func willFate(of connection: BrokerConnection) -> String? {
        guard let will = connection.will, let delay = willDelay(of: connection) else { return nil }
        if delay == 0 { return "Its will to \(will.topic) was published" }
        let why = delay < connection.willDelay
            ? "when its session expires, before its Will Delay Interval of \(connection.willDelay) s" : "its Will Delay Interval"
        return "Its will to \(will.topic) was scheduled for \(delay) s from now (\(why)); resuming the session (same client id, Clean Start 0) before then cancels it"
    }

    /// Detaches the connection from its session, fires its will on an abnormal end, and asks the I/O layer to close.
    mutating func close(_ id: ConnectionID, abnormal: Bool, now: NIODeadline, into actions: inout [BrokerAction], sendsClose: Bool = true) {
        guard var connection = connections[id], connection.stage != .closed else { return }
        let pendingWillDelay = abnormal ? willDelay(of: connection) : nil
        let wasConnected = connection.stage == .connected
        connection.stage = .closed
        connections[id] = connection
        if sendsClose { actions.append(.close(id)) }
        if wasConnected, let access = connection.iot, let clientID = connection.clientID {
            publishDisconnected(access, clientID: clientID, abnormal: abnormal, now: now, into: &actions)
        }
        guard wasConnected, let clientID = connection.clientID, var session = sessions[clientID], session.connection == id else { return }
        session.connection = nil
        if let delay = pendingWillDelay, let will = connection.will {
            let message = ApplicationMessage(will: will, publisher: clientID, now: now)
            if delay > 0 {
                let at = now + .seconds(Int64(delay))
                session.pendingWill = (message, at)
                schedule(at)
            } else {
                sessions[clientID] = session
                route(message, now: now, into: &actions)
                guard let updated = sessions[clientID] else { return }
                session = updated
            }
        }
        if session.expiryInterval == 0 {
            // The will delay is at most the session expiry, so nothing is pending here.
            removeSession(clientID)
        } else {
            if session.expiryInterval != UInt32.max {
                let at = now + .seconds(Int64(session.expiryInterval))
                session.expiresAt = at
                schedule(at)
            }
            sessions[clientID] = session
        }
    }

    mutating func schedule(_ deadline: NIODeadline) {
        nextDeadline = min(nextDeadline ?? deadline, deadline)
    }

    mutating func removeSession(_ clientID: String) {
        guard let session = sessions.removeValue(forKey: clientID) else { return }
        for filter in session.subscriptions.keys { unindex(filter, clientID) }
    }

    mutating func index(_ filter: String, _ clientID: String) {
        if SharedFilter.isShared(filter) { return joinSharedGroup(filter, clientID) }
        filters[filter, default: (TopicLevels(filter), [])].clients.insert(clientID)
    }

    mutating func unindex(_ filter: String, _ clientID: String) {
        if SharedFilter.isShared(filter) { return leaveSharedGroup(filter, clientID) }
        filters[filter]?.clients.remove(clientID)
        if filters[filter]?.clients.isEmpty == true { filters[filter] = nil }
    }
}
