import Foundation

/// What happened on one connection to a lab endpoint: exactly one per connection, written as a JSON line to
/// `ca/events.jsonl` and printed as one line by `pkilab up`.
public struct ConnectionEvent: Sendable, Codable, Hashable {
    public enum Outcome: String, Sendable, Codable, Hashable {
        case accepted
        case rejected
        /// An MQTT connection ended (normally or not) after it was accepted.
        case closed
    }

    /// What an MQTT event adds: who the client said it was, and what it tried.
    public struct MQTTDetail: Sendable, Codable, Hashable {
        public var clientID: String?
        /// The identity taken from the certificate (what the policy's `${identity}` is).
        public var identity: String?
        /// `3.1.1` or `5.0`.
        public var version: String?
        /// The topic or filter concerned.
        public var topic: String?
        /// The MQTT reason code (or 3.1.1 CONNACK return code) sent to the client; nil when nothing was sent.
        public var sentCode: Int?
        /// Whether the broker closed the connection over it.
        public var closed: Bool

        public init(clientID: String?, identity: String?, version: String?, topic: String?, sentCode: Int?, closed: Bool) {
            self.clientID = clientID
            self.identity = identity
            self.version = version
            self.topic = topic
            self.sentCode = sentCode
            self.closed = closed
        }
    }

    /// What an OTA step adds: the request, the image and the answer.
    public struct OTADetail: Sendable, Codable, Hashable {
        public var method: String
        /// The request path without its query (a pre-signed URL's signature is not logged).
        public var path: String
        public var status: Int
        public var image: String?
        public var version: String?
        /// The version the device said it runs.
        public var running: String?
        /// The Range header as sent.
        public var range: String?
        /// Body bytes sent.
        public var bytes: Int?
        /// The fault on purpose, if any (an ``OTAFault`` raw value).
        public var fault: String?
        /// When the handed-out URL stops working.
        public var urlExpires: Date?

        public init(method: String, path: String, status: Int, image: String? = nil, version: String? = nil, running: String? = nil,
                    range: String? = nil, bytes: Int? = nil, fault: String? = nil, urlExpires: Date? = nil) {
            self.method = method
            self.path = path
            self.status = status
            self.image = image
            self.version = version
            self.running = running
            self.range = range
            self.bytes = bytes
            self.fault = fault
            self.urlExpires = urlExpires
        }
    }

    /// What a connection to one of the zoo's bad servers says about the device.
    public struct ZooDetail: Sendable, Codable, Hashable {
        /// The ``ZooServer`` raw value.
        public var scenario: String
        /// The ``ZooServer/Expectation`` raw value.
        public var expected: String
        /// The device completed the handshake: it accepted the server certificate.
        public var completedHandshake: Bool
        /// It then sent application data (bytes on the echo, an MQTT CONNECT on the broker).
        public var sentData: Bool
        public var verdict: ZooVerdict

        public init(scenario: ZooServer, completedHandshake: Bool, sentData: Bool) {
            self.scenario = scenario.rawValue
            expected = scenario.expectation.rawValue
            self.completedHandshake = completedHandshake
            self.sentData = sentData
            verdict = scenario.verdict(completedHandshake: completedHandshake, sentData: sentData)
        }

        /// The sentence an event about it starts with.
        public static func explanation(_ scenario: ZooServer, completedHandshake: Bool, sentData: String?) -> String {
            let verdict = scenario.verdict(completedHandshake: completedHandshake, sentData: sentData != nil)
            guard completedHandshake else {
                return verdict == .wronglyRefused
                    ? "the client refused the zoo's good server: it does not trust the lab root (is root.pem its CA file, and does it dial a name in the certificate?)"
                    : "the client refused the \(scenario.rawValue) server, as it should (\(scenario.problem))"
            }
            let data = sentData.map { " and sent \($0)" } ?? ""
            switch verdict {
            case .wronglyAccepted: return "WRONGLY ACCEPTED: the client completed the handshake with the \(scenario.rawValue) server\(data): \(scenario.acceptanceMeans) (\(scenario.problem))"
            case .noRevocationCheck: return "the client accepted the revoked server\(data): it does not check revocation (\(scenario.problem))"
            case .handshakeOnly: return "the client completed the handshake with the \(scenario.rawValue) server but closed without sending anything: it may have refused it after the handshake (curl checks the name then), or had nothing to send (\(scenario.problem))"
            default: return "the client completed the handshake with the \(scenario.rawValue) server\(data): \(scenario.acceptanceMeans)"
            }
        }
    }

    /// The client certificate, as far as the endpoint saw it.
    public struct ClientCertificate: Sendable, Codable, Hashable {
        public var subject: String
        public var commonName: String?
        public var issuer: String
        public var serial: String
        public var fingerprintSHA256: String
        public var notBefore: Date
        public var notAfter: Date
        public var names: [String]
        /// The authorities it chained to, leaf first (when it verified).
        public var chain: [String]
        /// The key, as `pkilab show` words it (`EC P-256`, `RSA 2048`); nil when it could not be read.
        public var key: String?

        public init(_ description: CertificateDescription, chain: [String]) {
            subject = description.subject
            commonName = description.commonName
            issuer = description.issuer
            serial = description.serial
            fingerprintSHA256 = description.fingerprintSHA256
            notBefore = description.notBefore
            notAfter = description.notAfter
            names = description.names
            self.chain = chain
            key = description.key
        }

        /// What can be read of a certificate swift-certificates will not load (an RSA key under 2048 bits).
        public init(_ skim: CertificateSkim) {
            subject = skim.subject.description
            commonName = skim.subject.commonName
            issuer = skim.issuer.description
            serial = skim.serial
            fingerprintSHA256 = skim.fingerprintSHA256
            notBefore = skim.notBefore ?? .distantPast
            notAfter = skim.notAfter ?? .distantPast
            names = []
            chain = []
            key = nil
        }
    }

    public var time: Date
    public var endpoint: String
    public var peer: String
    public var sni: String?
    public var alpnOffered: [String]
    public var alpn: String?
    public var tlsOffered: [String]
    public var tlsVersion: String?
    public var cipher: String?
    public var resumed: Bool?
    public var client: ClientCertificate?
    public var outcome: Outcome
    /// `ok` when accepted, else a ``RejectionReason`` raw value.
    public var reason: String
    /// One sentence: what happened and why.
    public var explanation: String
    /// What to do next.
    public var hint: String?
    /// Things worth knowing even when it worked (for example an intermediate the client did not send).
    public var notes: [String]
    /// The raw library error, for experts.
    public var detail: String?
    /// MQTT endpoints: the broker's side of the story.
    public var mqtt: MQTTDetail?
    /// The zoo's bad servers: what the device did.
    public var zoo: ZooDetail?
    /// The OTA server and the object store: one event per request.
    public var ota: OTADetail?

    public init(time: Date = Date(), endpoint: String, peer: String, outcome: Outcome, reason: String, explanation: String,
                hint: String? = nil) {
        self.time = time
        self.endpoint = endpoint
        self.peer = peer
        self.sni = nil
        self.alpnOffered = []
        self.alpn = nil
        self.tlsOffered = []
        self.tlsVersion = nil
        self.cipher = nil
        self.resumed = nil
        self.client = nil
        self.outcome = outcome
        self.reason = reason
        self.explanation = explanation
        self.hint = hint
        self.notes = []
        self.detail = nil
        self.mqtt = nil
        self.zoo = nil
        self.ota = nil
    }

    /// The event of one OTA step, worded by ``OTAReason``.
    public init(time: Date = Date(), endpoint: String, peer: String, ota reason: OTAReason, detail: OTADetail, client: ClientCertificate? = nil) {
        let (explanation, hint) = reason.words
        self.init(time: time, endpoint: endpoint, peer: peer, outcome: reason.isSuccess ? .accepted : .rejected, reason: reason.code.rawValue,
                  explanation: explanation, hint: hint)
        self.client = client
        ota = detail
    }

    /// The event as one JSON line (no trailing newline).
    public var jsonLine: String {
        (try? EventLog.makeEncoder().encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    public static func decode(jsonLine: String) -> ConnectionEvent? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(ConnectionEvent.self, from: Data(jsonLine.utf8))
    }
}
