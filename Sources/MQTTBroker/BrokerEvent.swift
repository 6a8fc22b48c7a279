import MQTTCodec

/// Something a connection did that the developer should hear about: it connected, was refused something, or went
/// away, with a stable reason code and a sentence (the device itself is rarely told why).
public struct BrokerEvent: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// CONNECT accepted.
        case connected
        /// Something refused: a CONNECT, a PUBLISH, a SUBSCRIBE, a malformed packet.
        case refused
        /// The connection ended (normally or not).
        case closed
        /// A request the broker itself answered went through (an AWS IoT Device Shadow or Jobs request).
        case handled
    }

    public var connection: ConnectionID
    public var kind: Kind
    /// A stable code: `connected`, `publish_denied`, `client_id_mismatch`, `keep_alive_timeout`, … (``Reason``
    /// lists them all).
    public var reason: Reason
    /// One sentence: what happened and why.
    public var explanation: String
    /// What to do next, when there is something to do.
    public var hint: String?
    public var clientID: String?
    public var identity: String?
    public var protocolVersion: ProtocolVersion?
    /// The topic or filter concerned.
    public var topic: String?
    /// The reason code or CONNACK return code sent to the client; nil when nothing was sent.
    public var sentCode: UInt8?
    /// Whether the broker closed the connection because of it.
    public var closedConnection: Bool

    public init(connection: ConnectionID, kind: Kind, reason: Reason, explanation: String, hint: String? = nil,
                clientID: String? = nil, identity: String? = nil, protocolVersion: ProtocolVersion? = nil,
                topic: String? = nil, sentCode: UInt8? = nil, closedConnection: Bool = false) {
        self.connection = connection
        self.kind = kind
        self.reason = reason
        self.explanation = explanation
        self.hint = hint
        self.clientID = clientID
        self.identity = identity
        self.protocolVersion = protocolVersion
        self.topic = topic
        self.sentCode = sentCode
        self.closedConnection = closedConnection
    }
}

extension ReasonCode {
    /// `0x87`, as people quote reason codes.
    var hex: String {
        let digits = Array("0123456789ABCDEF")
        return "0x" + String(digits[Int(rawValue >> 4)]) + String(digits[Int(rawValue & 0xF)])
    }
}
