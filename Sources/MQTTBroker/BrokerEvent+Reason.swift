extension BrokerEvent {
    /// Why a ``BrokerEvent`` happened, as a stable code: the raw value is what the JSON events, the console and
    /// the table of broker reasons in docs/reasons.md prints.
    ///
    /// This is the one list of the codes the broker can emit, from the state machine (``BrokerCore``) and from the
    /// socket side that feeds it (a CONNECT that never comes, QoS 0 messages a slow reader misses):
    /// `BrokerEvent.Reason.allCases.map(\.rawValue)` is that list. Each case says when it is emitted; the sentence
    /// that explains one event (``BrokerEvent/explanation``) is built where it happens, from what happened.
    public enum Reason: String, Sendable, Hashable, Codable, CaseIterable {
        // MARK: Connection lifecycle

        /// A CONNECT was accepted (CONNACK 0x00).
        case connected
        /// The client sent DISCONNECT; the event says whether its will was published, scheduled or discarded.
        case disconnected
        /// A connected client went away without DISCONNECT (power, Wi-Fi, a crash); the event says whether its
        /// will was published or scheduled, and for when.
        case connectionLost = "connection_lost"
        /// Nothing arrived within 1.5 × the keep-alive ([MQTT-3.1.2-24]): the broker closed the connection, and
        /// MQTT 5 clients hear DISCONNECT 0x8D first.
        case keepAliveTimeout = "keep_alive_timeout"
        /// A new connection with the same client id took the session over ([MQTT-3.1.4-2]): the old one was
        /// closed (MQTT 5: DISCONNECT 0x8E).
        case sessionTakenOver = "session_taken_over"
        /// The transport came up but no whole CONNECT arrived in time (the listener's handshake timeout).
        case connectTimeout = "connect_timeout"
        /// The client closed the connection before it sent CONNECT.
        case noConnect = "no_connect"

        // MARK: Broken protocol

        /// A packet broke a rule of the protocol (a first packet that is not CONNECT, a second CONNECT, a
        /// packet only a server sends, …): the connection was closed (MQTT 5: DISCONNECT 0x82 first).
        case protocolViolation = "protocol_violation"
        /// The bytes could not be decoded as an MQTT packet: the connection was closed (MQTT 5: DISCONNECT 0x81).
        case malformedPacket = "malformed_packet"
        /// A packet larger than the listener's maximum packet size, refused before it was read whole.
        case packetTooLarge = "packet_too_large"
        /// A CONNECT with a protocol level other than 4 or 5, or a protocol name other than "MQTT": CONNACK
        /// 0x01 (MQTT 5 level with a bad name: 0x84), then the connection was closed.
        case unsupportedProtocolVersion = "unsupported_protocol_version"
        /// A PUBLISH with a Topic Alias above the Topic Alias Maximum, or one this connection never set.
        case topicAliasInvalid = "topic_alias_invalid"
        /// An MQTT 5 client has more unreleased QoS 2 messages than the broker's Receive Maximum
        /// ([MQTT-3.3.4-7]): DISCONNECT 0x93.
        case receiveMaximumExceeded = "receive_maximum_exceeded"

        // MARK: CONNECT refused

        /// The CONNECT asks for MQTT 5 enhanced authentication, which the broker does not offer (CONNACK 0x8C).
        case badAuthenticationMethod = "bad_authentication_method"
        /// An aws listener got a connection without a certificate identity.
        case noIdentity = "no_identity"
        /// An aws listener got a client id other than the certificate's identity (the thing name).
        case clientIDMismatch = "client_id_mismatch"
        /// The client id is unusable: empty with a persistent 3.1.1 session ([MQTT-3.1.3-8]), or longer than
        /// the listener allows.
        case clientIDRejected = "client_id_rejected"
        /// The client id names a session that belongs to another identity: refused, and that session left alone.
        case clientIDInUse = "client_id_in_use"
        /// The broker already holds `broker.max_sessions` sessions.
        case sessionLimit = "session_limit"
        /// The will's topic is one the policy does not let this client publish to.
        case willDenied = "will_denied"

        // MARK: PUBLISH, SUBSCRIBE and delivery refused

        /// A topic, will topic or filter longer, or with more levels, than the listener allows.
        case topicLimit = "topic_limit"
        /// A PUBLISH payload larger than the listener allows.
        case payloadTooLarge = "payload_too_large"
        /// A PUBLISH at a QoS above the listener's maximum, or (aws) a QoS 2 will or subscription.
        case qosNotSupported = "qos_not_supported"
        /// The policy does not let this client publish to the topic: the message was dropped.
        case publishDenied = "publish_denied"
        /// A retained message past `broker.max_retained_messages` or `broker.max_retained_bytes`: dropped.
        case retainedLimit = "retained_limit"
        /// A subscription matched a message the policy does not let the subscriber read: left out (first one
        /// per connection).
        case receiveDenied = "receive_denied"
        /// A session's queue of QoS 1/2 messages is full: new ones are dropped (first one of a run).
        case queueFull = "queue_full"
        /// The socket of a slow reader holds more than 4 MiB: QoS 0 messages for it are dropped (first one).
        case qos0Dropped = "qos0_dropped"
        /// An aws listener got a SUBSCRIBE with more filters than AWS IoT takes in one packet.
        case tooManyFilters = "too_many_filters"
        /// A SUBSCRIBE filter that is not a valid topic filter.
        case invalidTopicFilter = "invalid_topic_filter"
        /// A `$share/` filter on a listener whose limits turn shared subscriptions off (SUBACK 0x9E; aws: closed).
        case sharedSubscriptionUnsupported = "shared_subscription_unsupported"
        /// The policy does not let this client subscribe to the filter.
        case subscribeDenied = "subscribe_denied"
        /// The session already holds the listener's maximum number of subscriptions.
        case subscriptionLimit = "subscription_limit"

        // MARK: The AWS IoT twin (aws listeners of a lab with aws_iot:)

        /// The client certificate is not registered under `aws_iot.certificates`: closed before CONNACK, as AWS IoT does.
        case certificateNotRegistered = "certificate_not_registered"
        /// The certificate's registry status is not ACTIVE (INACTIVE, REVOKED, PENDING_…): closed before CONNACK.
        case certificateInactive = "certificate_inactive"
        /// The attached policies do not allow `iot:Connect` on `client/<id>` (or none is attached): MQTT 3.1.1 closed
        /// without CONNACK, MQTT 5 CONNACK 0x87; a `connect_failed` lifecycle event is published.
        case connectDenied = "connect_denied"
        /// A publish to a `$aws/…` topic that is not a request topic (a reply, an event, an undocumented one): closed,
        /// as AWS IoT may.
        case reservedTopic = "reserved_topic"
        /// A Device Shadow request was applied; the event names the shadow, the new version and the delta.
        case shadowRequest = "shadow_request"
        /// A Device Shadow request was rejected (…/rejected with AWS's code and message).
        case shadowRejected = "shadow_rejected"
        /// A Jobs request was answered (…/accepted, only to the requester).
        case jobsRequest = "jobs_request"
        /// A Jobs request was rejected (…/rejected with AWS's error code).
        case jobsRejected = "jobs_rejected"
        // MARK: AWS IoT quotas and the MQTT 5 features it refuses

        /// aws: a second CONNECT of one client id within a second (AWS IoT allows 1 per second per client id): closed
        /// without a reply, as AWS throttles it (its lifecycle event says disconnectReason THROTTLED).
        case connectThrottled = "connect_throttled"
        /// aws: PUBLISH packets past 100 in one second on one connection were dropped, as AWS IoT discards them (no
        /// PUBACK for QoS 1); one event per such second, with the count, once the second is over.
        case publishThrottled = "publish_throttled"
        /// A SUBSCRIBE with a Subscription Identifier on a listener that offers none (aws, as AWS IoT): DISCONNECT
        /// 0xA1, then the connection was closed.
        case subscriptionIdentifiersUnsupported = "subscription_identifiers_unsupported"
        /// aws: a retained PUBLISH to a reserved `$` topic, which AWS IoT refuses: closed without a reply.
        case reservedTopicRetain = "reserved_topic_retain"

        /// The refusal of a policy decision on `action`.
        init(denied action: PolicyRule.Action) {
            switch action {
            case .publish: self = .publishDenied
            case .subscribe: self = .subscribeDenied
            }
        }
    }
}
