import AWSIoT
import MQTTCodec
import NIOCore

/// What the broker keeps for one client id: its subscriptions, the QoS 1/2 messages in flight and queued, and
/// the QoS 2 messages it is still releasing. It outlives the connection when the session is persistent.
struct Session: Sendable {
    struct Entry: Sendable, Hashable {
        var filter: TopicLevels
        var options: Subscription
        var identifier: Int?
    }

    /// A QoS 1/2 message sent and not yet acknowledged.
    struct Inflight: Sendable {
        enum Stage: Sendable { case awaitingPubAck, awaitingPubRec, awaitingPubComp }
        var outgoing: OutgoingMessage
        var stage: Stage
        var order: UInt64
    }

    let clientID: String
    /// The certificate identity that made the session (nil: a client without a certificate). Only it may resume
    /// the session, see its queue or take over its connection.
    let owner: ClientIdentity?
    var connection: ConnectionID?
    /// What the policy lets the owner receive (nil: no policy), compiled at each CONNECT.
    var receive: TopicPermission?
    /// Messages left out at delivery because the policy does not let the owner read them; the first of a
    /// connection is an event.
    var receiveDenied = 0
    /// The AWS IoT access of the connection that last attached (its policies decide `iot:Receive` at delivery).
    var iot: IoTAccess?
    var subscriptions: [String: Entry] = [:]
    /// Seconds the session outlives its connection; `UInt32.max` for ever.
    var expiryInterval: UInt32 = 0
    var expiresAt: NIODeadline?
    var inflight: [UInt16: Inflight] = [:]
    var queue = CircularBuffer<OutgoingMessage>()
    /// QoS 2 messages received (PUBREC sent) whose PUBREL has not arrived.
    var receivedQoS2: Set<UInt16> = []
    /// A will waiting out its MQTT 5 Will Delay Interval after an abnormal close.
    var pendingWill: (message: ApplicationMessage, at: NIODeadline)?
    /// Messages dropped because the queue was full, told at the next connection.
    var droppedMessages = 0
    var queueLimit = 100_000
    /// Payload and topic bytes in ``queue``, and their cap (Mosquitto's max_queued_bytes).
    var queuedBytes = 0
    var queueByteLimit = 64 * 1024 * 1024
    private var nextIdentifier: UInt16 = 1
    private var nextOrder: UInt64 = 0

    init(clientID: String, owner: ClientIdentity?) {
        self.clientID = clientID
        self.owner = owner
    }

    /// Whether a connection with `identity` may use this session: the same certificate subject, or, for a session
    /// made without a certificate, again no certificate.
    func belongs(to identity: ClientIdentity?) -> Bool {
        owner?.subject == identity?.subject
    }

    /// The owner as sentences name it.
    var ownerDescription: String {
        owner.map { "\($0.name) (certificate \($0.subject))" } ?? "a client without a certificate"
    }

    /// A packet identifier not in flight.
    mutating func allocateIdentifier() -> UInt16 {
        while inflight[nextIdentifier] != nil {
            nextIdentifier = nextIdentifier == UInt16.max ? 1 : nextIdentifier + 1
        }
        let identifier = nextIdentifier
        nextIdentifier = nextIdentifier == UInt16.max ? 1 : nextIdentifier + 1
        return identifier
    }

    mutating func track(_ outgoing: OutgoingMessage, identifier: UInt16) {
        inflight[identifier] = Inflight(outgoing: outgoing, stage: outgoing.qos == .exactlyOnce ? .awaitingPubRec : .awaitingPubAck,
                                        order: nextOrder)
        nextOrder += 1
    }

    /// The in-flight messages in the order they were first sent.
    var inflightInOrder: [(UInt16, Inflight)] {
        inflight.sorted { $0.value.order < $1.value.order }.map { ($0.key, $0.value) }
    }
}
