import AWSIoT
import MQTTCodec
import NIOCore

/// The `$aws/…` topics of the AWS IoT twin: Device Shadow and Jobs requests answered as AWS IoT answers them, the
/// topics a device may not publish to, and the lifecycle events (`$aws/events/presence/…`).
extension BrokerCore {
    /// Why a publish to a `$aws/…` topic is refused (AWS IoT: only the documented request topics), or nil. (A retained
    /// one was refused before, as `reserved_topic_retain`.)
    func iotReservedTopicProblem(_ topic: String) -> String? {
        guard IoTReservedTopic.isReserved(topic) else { return nil }
        if IoTReservedTopic(requestTopic: topic) == nil {
            return IoTReservedTopic.isResponseOrEventTopic(topic)
                ? "\(topic) is a topic AWS IoT itself publishes on (a reply or an event); devices only subscribe to it"
                : "\(topic) is not one of AWS IoT's documented request topics, and no new $aws topics may be made"
        }
        return nil
    }

    /// A device published a Device Shadow or Jobs request: the twin answers on AWS's topics (jobs replies reach only
    /// the requester), and the event says what happened.
    mutating func handleIoTRequest(_ request: IoTReservedTopic, topic: String, payload: ByteBuffer, from id: ConnectionID, now: NIODeadline,
                                   into actions: inout [BrokerAction]) {
        guard var twin, let connection = connections[id], let clientID = connection.clientID else { return }
        let seconds = twin.clock() / 1000
        let bytes = Array(payload.readableBytesView)
        switch request {
        case .shadow(let target, let operation):
            let outcome = twin.shadows.handle(target, operation, payload: bytes, now: seconds)
            if outcome.changed { twin.generation += 1 }
            self.twin = twin
            for message in outcome.messages { publishTwin(message, now: now, into: &actions) }
            if let code = outcome.errorCode {
                event(.refused, .shadowRejected, "\(connection.who): \(outcome.summary)",
                      hint: "the reply on …/rejected says the same (code \(code)); the request was not applied", on: connection, topic: topic, into: &actions)
            } else {
                event(.handled, .shadowRequest, "\(connection.who): \(outcome.summary)", on: connection, topic: topic, into: &actions)
            }
        case .jobs(let thing, let jobsRequest):
            let outcome = twin.jobs.handle(thing: thing, jobsRequest, payload: bytes, now: seconds, presign: twin.presign)
            if outcome.changed { twin.generation += 1 }
            self.twin = twin
            for reply in outcome.replies {
                let message = ApplicationMessage(Publish(topic: reply.topic, payload: ByteBuffer(bytes: reply.payload), qos: .atLeastOnce),
                                                 topic: reply.topic, publisher: nil, now: now)
                deliver(OutgoingMessage(message: message, qos: .atLeastOnce, retain: false, subscriptionIdentifiers: []), to: clientID,
                        topic: TopicLevels(reply.topic), now: now, into: &actions)
            }
            for message in outcome.notifications { publishTwin(message, now: now, into: &actions) }
            let rejected = outcome.replies.contains { $0.topic.hasSuffix("/rejected") }
            event(rejected ? .refused : .handled, rejected ? .jobsRejected : .jobsRequest, "\(connection.who): \(outcome.summary)",
                  hint: rejected ? "the reply on …/rejected carries the code; see docs/aws-iot.md for the job execution states" : nil,
                  on: connection, topic: topic, into: &actions)
        }
    }

    /// Publishes what the twin says (a reply, a delta, a notification, a lifecycle event) to its subscribers.
    mutating func publishTwin(_ message: IoTMessage, now: NIODeadline, into actions: inout [BrokerAction]) {
        let publish = Publish(topic: message.topic, payload: ByteBuffer(bytes: message.payload), qos: .atLeastOnce)
        route(ApplicationMessage(publish, topic: message.topic, publisher: nil, now: now), now: now, into: &actions)
    }

    /// `$aws/events/presence/connected/<clientId>`, once CONNACK went out.
    mutating func publishConnected(_ access: IoTAccess, clientID: String, peer: String, now: NIODeadline, into actions: inout [BrokerAction]) {
        guard let twin, !clientID.contains("#"), !clientID.contains("+") else { return }
        publishTwin(IoTLifecycle.connected(clientID: clientID, thingName: access.thingName, timestamp: twin.clock(),
                                           sessionIdentifier: access.sessionIdentifier, principalIdentifier: access.principal.certificateID,
                                           ipAddress: Self.address(of: peer), versionNumber: access.versionNumber), now: now, into: &actions)
    }

    /// The next lifecycle `versionNumber` of a client id (a connected/disconnected pair shares it).
    mutating func nextLifecycleVersion(_ clientID: String) -> Int {
        guard let now = twin?.clock() else { return 0 }
        return twin?.lifecycleVersions.connect(clientID: clientID, now: now) ?? 0
    }

    /// `$aws/events/presence/disconnected/<clientId>`, when a connected client's connection ends.
    mutating func publishDisconnected(_ access: IoTAccess, clientID: String, abnormal: Bool, now: NIODeadline, into actions: inout [BrokerAction]) {
        guard let twin, !clientID.contains("#"), !clientID.contains("+") else { return }
        let reason = access.disconnectReason ?? (abnormal ? .connectionLost : .clientInitiatedDisconnect)
        self.twin?.lifecycleVersions.disconnect(clientID: clientID, now: twin.clock())
        publishTwin(IoTLifecycle.disconnected(clientID: clientID, thingName: access.thingName, timestamp: twin.clock(),
                                              sessionIdentifier: access.sessionIdentifier, principalIdentifier: access.principal.certificateID,
                                              clientInitiatedDisconnect: reason == .clientInitiatedDisconnect, disconnectReason: reason,
                                              versionNumber: access.versionNumber), now: now, into: &actions)
    }

    /// `$aws/events/subscriptions/subscribed|unsubscribed/<clientId>`, after a SUBACK or UNSUBACK.
    mutating func publishSubscriptionEvent(_ access: IoTAccess, clientID: String, topics: [String], subscribed: Bool, now: NIODeadline,
                                           into actions: inout [BrokerAction]) {
        guard let twin, IoTLifecycle.hasEvents(clientID: clientID) else { return }
        let event = subscribed
            ? IoTLifecycle.subscribed(clientID: clientID, topics: topics, timestamp: twin.clock(), sessionIdentifier: access.sessionIdentifier,
                                      principalIdentifier: access.principal.certificateID)
            : IoTLifecycle.unsubscribed(clientID: clientID, topics: topics, timestamp: twin.clock(), sessionIdentifier: access.sessionIdentifier,
                                        principalIdentifier: access.principal.certificateID)
        publishTwin(event, now: now, into: &actions)
    }

    /// `$aws/events/presence/connect_failed/<clientId>`, for a CONNECT its policy refused.
    mutating func publishConnectFailed(_ clientID: String, principal: String, now: NIODeadline, into actions: inout [BrokerAction]) {
        guard let twin, !clientID.contains("#"), !clientID.contains("+") else { return }
        publishTwin(IoTLifecycle.connectFailed(clientID: clientID, timestamp: twin.clock(), failureReason: "AUTHORIZATION_FAILED",
                                               principalIdentifier: principal), now: now, into: &actions)
    }

    // MARK: From the command line

    /// `pkilab shadow get|update|delete` against the running lab: the same request a device would publish, answered
    /// on the same topics (subscribers see the replies and the delta).
    public mutating func iotShadowRequest(_ target: ShadowRequest.Target, _ operation: ShadowOperation, payload: [UInt8], now: NIODeadline)
        -> (outcome: ShadowOutcome?, actions: [BrokerAction]) {
        guard var twin else { return (nil, []) }
        let outcome = twin.shadows.handle(target, operation, payload: payload, now: twin.clock() / 1000)
        if outcome.changed { twin.generation += 1 }
        self.twin = twin
        var actions: [BrokerAction] = []
        for message in outcome.messages { publishTwin(message, now: now, into: &actions) }
        return (outcome, actions)
    }

    /// `pkilab job create` against the running lab: queues the execution and publishes AWS's notifications.
    public mutating func iotCreateJob(jobID: String, thing: String, document: [UInt8], now: NIODeadline) throws(JobsError) -> [BrokerAction] {
        guard var twin else { return [] }
        let messages = try twin.jobs.create(jobID: jobID, thing: thing, document: document, now: twin.clock() / 1000)
        twin.generation += 1
        self.twin = twin
        var actions: [BrokerAction] = []
        for message in messages { publishTwin(message, now: now, into: &actions) }
        return actions
    }
}
