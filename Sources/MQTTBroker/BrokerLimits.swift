/// The sizes and counts a broker listener enforces; ``BrokerLimits/defaults(for:)`` gives each behaviour's.
public struct BrokerLimits: Sendable, Hashable {
    /// The largest packet accepted from a client, in bytes (MQTT 5 Maximum Packet Size in CONNACK).
    public var maximumPacketSize: Int
    /// The largest PUBLISH payload, in bytes (AWS IoT: 128 KB).
    public var maximumPayload: Int?
    /// The longest topic name or filter, in bytes (AWS IoT: 256).
    public var maximumTopicLength: Int?
    /// The most `/` in a topic or filter (AWS IoT: 7).
    public var maximumTopicSlashes: Int?
    /// The most filters in one SUBSCRIBE (AWS IoT: 8).
    public var maximumFiltersPerSubscribe: Int?
    /// The longest client id, in bytes (AWS IoT: 128).
    public var maximumClientIDLength: Int
    /// Keep-alive values outside this range are replaced by the nearest one (AWS IoT: 30–1200 s).
    public var keepAliveRange: ClosedRange<UInt16>?
    /// The keep-alive used when a client asks for 0 (none) and the behaviour does not allow that.
    public var keepAliveWhenZero: UInt16?
    /// The longest MQTT 5 session expiry granted, in seconds (AWS IoT: 3600).
    public var maximumSessionExpiry: UInt32?
    /// QoS 1/2 messages a client may have unacknowledged towards the broker (MQTT 5 Receive Maximum in CONNACK).
    public var receiveMaximum: UInt16
    /// QoS 1/2 messages in flight to an MQTT 3.1.1 client (which cannot say its own limit).
    public var inflightForV311: Int
    /// QoS 1/2 messages kept for one offline persistent session, or queued behind its in-flight window (about
    /// 200 bytes each for small payloads; Mosquitto's max_queued_messages defaults to 1000 and drops sooner).
    public var maximumQueuedMessages: Int
    /// Payload and topic bytes queued for one session at most (Mosquitto's max_queued_bytes).
    public var maximumQueuedBytes: Int = 64 * 1024 * 1024
    /// Topic aliases a client may set (MQTT 5 Topic Alias Maximum in CONNACK).
    public var topicAliasMaximum: UInt16
    /// The highest QoS the listener supports.
    public var maximumQoS: UInt8
    /// Subscriptions one session may hold (AWS IoT: 50 per connection; `max_subscriptions` in `lab.yaml`).
    public var maximumSubscriptions: Int = 1_000
    /// How long an MQTT 3.1.1 persistent session (clean session 0) outlives its connection, in seconds; MQTT 3.1.1
    /// cannot say, so the broker decides (Mosquitto's `persistent_client_expiration`; `persistent_session_expiry`).
    public var persistentSessionExpiry: UInt32 = 86_400
    /// Whether `$share/` filters make shared subscriptions (MQTT 5 Shared Subscription Available in CONNACK); when
    /// false they are refused (SUBACK 0x9E; aws: the connection is closed).
    public var sharedSubscriptionsAvailable = true
    /// Whether a SUBSCRIBE may carry a Subscription Identifier (MQTT 5 Subscription Identifier Available in CONNACK);
    /// when false one closes the connection with DISCONNECT 0xA1 (AWS IoT: false).
    public var subscriptionIdentifiersAvailable = true
    /// The most QoS 1/2 messages in flight to a client whatever its Receive Maximum says (AWS IoT: 100).
    public var maximumOutboundInflight: Int?
    /// Whether a client id may CONNECT only once per second, later ones closed (AWS IoT: 1 per second per client id).
    public var throttlesConnects = false
    /// PUBLISH packets one connection may send per second; the rest of that second's are dropped (AWS IoT: 100).
    public var maximumPublishesPerSecond: Int?

    public init(maximumPacketSize: Int, maximumPayload: Int? = nil, maximumTopicLength: Int? = nil, maximumTopicSlashes: Int? = nil,
                maximumFiltersPerSubscribe: Int? = nil, maximumClientIDLength: Int = 65_535, keepAliveRange: ClosedRange<UInt16>? = nil,
                keepAliveWhenZero: UInt16? = nil, maximumSessionExpiry: UInt32? = nil, receiveMaximum: UInt16 = 100,
                inflightForV311: Int = 20, maximumQueuedMessages: Int = 100_000, topicAliasMaximum: UInt16 = 10, maximumQoS: UInt8 = 2) {
        self.maximumPacketSize = maximumPacketSize
        self.maximumPayload = maximumPayload
        self.maximumTopicLength = maximumTopicLength
        self.maximumTopicSlashes = maximumTopicSlashes
        self.maximumFiltersPerSubscribe = maximumFiltersPerSubscribe
        self.maximumClientIDLength = maximumClientIDLength
        self.keepAliveRange = keepAliveRange
        self.keepAliveWhenZero = keepAliveWhenZero
        self.maximumSessionExpiry = maximumSessionExpiry
        self.receiveMaximum = receiveMaximum
        self.inflightForV311 = inflightForV311
        self.maximumQueuedMessages = maximumQueuedMessages
        self.topicAliasMaximum = topicAliasMaximum
        self.maximumQoS = maximumQoS
    }

    /// The limits each behaviour starts from: AWS IoT Core's published quotas, or generous Mosquitto-like ones.
    public static func defaults(for behaviour: BrokerBehaviour) -> BrokerLimits {
        switch behaviour {
        case .aws:
            BrokerLimits(maximumPacketSize: 128 * 1024 + 65_536 + 16, maximumPayload: 128 * 1024, maximumTopicLength: 256,
                         maximumTopicSlashes: 7, maximumFiltersPerSubscribe: 8, maximumClientIDLength: 128,
                         keepAliveRange: 30...1200, keepAliveWhenZero: 1200, maximumSessionExpiry: 3600, inflightForV311: 100,
                topicAliasMaximum: 8, maximumQoS: 1)
                .with {
                    $0.maximumSubscriptions = 50
                    $0.persistentSessionExpiry = 3600
                    $0.subscriptionIdentifiersAvailable = false
                    $0.maximumOutboundInflight = 100
                    $0.throttlesConnects = true
                    $0.maximumPublishesPerSecond = 100
                }
        case .mosquitto:
            BrokerLimits(maximumPacketSize: 1024 * 1024)
        }
    }

    /// A copy with `change` applied.
    func with(_ change: (inout BrokerLimits) -> Void) -> BrokerLimits {
        var copy = self
        change(&copy)
        return copy
    }
}
