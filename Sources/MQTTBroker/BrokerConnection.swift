import AWSIoT
import MQTTCodec

/// What the broker knows of one network connection, from accept to close.
struct BrokerConnection: Sendable {
    enum Stage: Sendable, Equatable {
        /// Waiting for CONNECT.
        case awaitingConnect
        /// CONNACK sent; attached to the session of its client id.
        case connected
        /// The broker has decided to close it; nothing more is processed.
        case closed
    }

    let id: ConnectionID
    let listener: BrokerConfiguration
    let identity: ClientIdentity?
    let peer: String
    var stage = Stage.awaitingConnect
    var version = ProtocolVersion.v311
    var clientID: String?
    var keepAlive: UInt16 = 0
    var will: Will?
    var willDelay: UInt32 = 0
    var sessionExpiryInterval: UInt32 = 0
    /// How many QoS 1/2 messages the client accepts in flight.
    var receiveMaximum = 65_535
    /// The largest packet the client accepts (MQTT 5), if it said.
    var maximumPacketSize: Int?
    /// What the policy lets it publish to (nil: no policy), compiled at CONNECT.
    var publishPermission: TopicPermission?
    /// Topic aliases the client set (MQTT 5).
    var topicAliases: [UInt16: String] = [:]
    /// Set on `aws` listeners of a broker with an AWS IoT twin, once CONNECT is admitted: the policies decide.
    var iot: IoTAccess?
    /// Publishes in the current second, for AWS IoT's 100 per second per connection (aws behaviour).
    var publishRate = PublishRateWindow()

    init(id: ConnectionID, listener: BrokerConfiguration, identity: ClientIdentity?, peer: String) {
        self.id = id
        self.listener = listener
        self.identity = identity
        self.peer = peer
    }

    var behaviour: BrokerBehaviour { listener.behaviour }
    var limits: BrokerLimits { listener.limits }

    /// How the client is named in sentences: its identity, else its client id, else its address.
    var who: String {
        if let name = identity?.name { return name }
        if let clientID { return "client \"\(clientID)\"" }
        return "the client at \(peer)"
    }
}
