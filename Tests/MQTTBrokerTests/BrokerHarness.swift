import MQTTBroker
import MQTTCodec
import NIOCore

/// Drives a ``BrokerCore`` the way the NIO handlers do, with a clock the test moves, and keeps what each
/// connection was sent.
struct BrokerHarness {
    var core: BrokerCore
    var now = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
    private var nextID: UInt64 = 0
    /// Every packet sent, per connection, in order.
    var sent: [ConnectionID: [MQTTPacket]] = [:]
    var closed: Set<ConnectionID> = []
    private var reported: Set<ConnectionID> = []
    var events: [BrokerEvent] = []

    init(policy: BrokerPolicy? = nil, quotas: BrokerQuotas = BrokerQuotas()) {
        core = BrokerCore(policy: policy, quotas: quotas)
    }

    static let mosquitto = BrokerConfiguration(name: "mqtt", behaviour: .mosquitto)
    static let aws = BrokerConfiguration(name: "mqtt-aws", behaviour: .aws)

    /// Opens a connection for `identity` (a certificate CN) and sends its CONNECT.
    @discardableResult
    mutating func connect(_ clientID: String, identity: String? = "device-001", version: ProtocolVersion = .v311, clean: Bool = true,
                          keepAlive: UInt16 = 60, will: Will? = nil, properties: Properties = [],
                          listener: BrokerConfiguration = mosquitto) -> ConnectionID {
        nextID += 1
        let id = ConnectionID(nextID)
        let identity = identity.map { ClientIdentity(name: $0, commonName: $0, subject: "CN=\($0)") }
        core.open(id, listener: listener, identity: identity, peer: "127.0.0.1:\(40000 + nextID)")
        send(id, .connect(Connect(protocolVersion: version, cleanSession: clean, keepAlive: keepAlive, clientIdentifier: clientID,
                                  will: will, properties: properties)))
        return id
    }

    /// A connection id not used yet.
    mutating func newConnectionID() -> ConnectionID {
        nextID += 1
        return ConnectionID(nextID)
    }

    @discardableResult
    mutating func send(_ id: ConnectionID, _ packet: MQTTPacket) -> [BrokerAction] {
        let actions = core.receive(packet, from: id, now: now)
        apply(actions)
        return actions
    }

    mutating func apply(_ actions: [BrokerAction]) {
        for action in actions {
            switch action {
            case .send(let id, let packet): sent[id, default: []].append(packet)
            case .close(let id): closed.insert(id)
            case .event(let event): events.append(event)
            }
        }
        // The I/O layer reports every close it carried out back to the broker, once.
        for id in closed.subtracting(reported) {
            reported.insert(id)
            apply(core.connectionLost(id, detail: "closed by the broker", now: now))
        }
    }

    /// The connection dropped without DISCONNECT.
    mutating func drop(_ id: ConnectionID) {
        apply(core.connectionLost(id, detail: "test dropped it", now: now))
    }

    mutating func advance(seconds: Int64) {
        now = now + .seconds(seconds)
        apply(core.tick(now: now))
    }

    mutating func subscribe(_ id: ConnectionID, _ filters: [String], qos: QoS = .atLeastOnce, packetID: UInt16 = 1,
                            properties: Properties = []) {
        send(id, .subscribe(Subscribe(packetIdentifier: packetID, subscriptions: filters.map { Subscription(topicFilter: $0, qos: qos) },
                                      properties: properties)))
    }

    mutating func publish(_ id: ConnectionID, _ topic: String, _ text: String, qos: QoS = .atMostOnce, packetID: UInt16? = nil,
                          retain: Bool = false, properties: Properties = []) {
        send(id, .publish(Publish(topic: topic, payload: ByteBuffer(string: text), qos: qos,
                                  packetIdentifier: qos == .atMostOnce ? nil : (packetID ?? 1), retain: retain, properties: properties)))
    }

    /// Takes the packets sent to `id` so far.
    mutating func take(_ id: ConnectionID) -> [MQTTPacket] {
        defer { sent[id] = [] }
        return sent[id] ?? []
    }

    /// The PUBLISHes sent to `id` so far (taken).
    mutating func messages(_ id: ConnectionID) -> [Publish] {
        take(id).compactMap { if case .publish(let publish) = $0 { return publish } else { return nil } }
    }

    func events(_ reason: BrokerEvent.Reason) -> [BrokerEvent] {
        events.filter { $0.reason == reason }
    }
}

extension Publish {
    var text: String { String(buffer: payload) }
}
