/// A test endpoint `pkilab up` serves: what it listens on, which certificate it presents, and how it checks
/// clients.
public struct EndpointSpec: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// Raw TLS: every byte received is sent back.
        case echo
        /// HTTPS (HTTP/1.1 and HTTP/2): a page, /whoami, /echo, /ca.pem and /files/.
        case https
        /// An MQTT 3.1.1/5.0 broker (mqtts://).
        case mqtt
        /// Plain HTTP serving the authorities' CRLs at /crl/ (the URL in every certificate's CRL distribution point).
        case crl
        /// SNTP over UDP, so devices can set their clock offline (port 123 needs root or CAP_NET_BIND_SERVICE).
        case sntp
        /// The OTA object store (`ota.object_store:`): S3-like HTTPS with pre-signed URLs, server authentication only.
        case store
        /// The workshop console (`pkilab up --console`): a live page of connections, the attendees' board and their
        /// kits. HTTPS with the lab's server certificate; a client certificate is asked for but optional (it proves
        /// who downloads a kit).
        case console

        /// The kinds `endpoints:` configures (the object store is configured under `ota:`).
        public static let labKinds: [Kind] = [.echo, .https, .mqtt, .crl, .sntp]

        public var defaultPort: Int {
            switch self {
            case .echo: 7443
            case .https: 8443
            case .mqtt: 8883
            case .crl: 8480
            case .sntp: 123
            case .store: 9443
            case .console: 8444
            }
        }

        /// Whether it speaks TLS (and so presents a certificate and checks clients).
        public var usesTLS: Bool { [.echo, .https, .mqtt, .store, .console].contains(self) }
    }

    /// Whether a client must present a certificate.
    public enum ClientAuth: String, Sendable, Hashable, Codable, CaseIterable {
        /// A certificate is required and checked (the default, as a device broker does).
        case require
        /// A certificate is asked for and checked when given; clients without one are let in.
        case optional
        /// No certificate is asked for.
        case none
    }

    /// What to do with a client that sends its leaf without the intermediates.
    public enum ClientChain: String, Sendable, Hashable, Codable, CaseIterable {
        /// Fill in the lab's own intermediates (and say so in the event), as AWS IoT does.
        case complete
        /// Refuse it with `missing_intermediate`, as Mosquitto with `cafile` = root does.
        case require
    }

    /// The TLS library a listener runs on (`tls_engine:`).
    public enum TLSEngine: String, Sendable, Hashable, Codable, CaseIterable {
        /// swift-nio-ssl (BoringSSL): the default.
        case boringssl
        /// The system's OpenSSL 3 (libssl), as Mosquitto runs: honours RFC 6066 max_fragment_length (BearSSL's
        /// 512-byte buffers), sends the alert OpenSSL servers send for each certificate refusal (45, 48, 42, 44…)
        /// and releases a connection's buffers while it is idle.
        case openssl
    }

    public enum TLSVersion: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
        case tls10 = "1.0"
        case tls11 = "1.1"
        case tls12 = "1.2"
        case tls13 = "1.3"

        public static func < (lhs: Self, rhs: Self) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    public var kind: Kind
    /// A name for messages and events; the kind unless configured otherwise.
    public var name: String
    public var bind: String
    /// 0 picks a free port.
    public var port: Int
    /// The lab certificate it presents (role server or both).
    public var certificate: String
    public var clientAuth: ClientAuth
    /// The authorities whose certificates it accepts from clients (default: the lab's roots).
    public var trust: [String]
    public var clientChain: ClientChain
    public var minimumTLS: TLSVersion
    public var maximumTLS: TLSVersion
    /// The TLS library it runs on.
    public var tlsEngine: TLSEngine = .boringssl
    /// TLS 1.2 cipher suites, OpenSSL names; empty for the library's defaults.
    public var ciphers: [String]
    /// ALPN protocols offered, in preference order; empty for the endpoint's default (HTTPS: h2, http/1.1).
    public var alpn: [String]
    /// HTTPS: the folder served at /files/ (resolved against the lab file's folder), if any.
    public var files: String?
    /// Where `files:` is written in the lab file, for the error when the folder overlaps the store.
    public var filesLocation: SourceLocation?
    /// HTTPS: offer HTTP/2 by ALPN.
    public var http2: Bool
    /// The caps and timeouts of `endpoints:` (the same for every endpoint of a lab).
    public var limits: ServingLimits
    /// MQTT: the broker's behaviour, identity field and plain listener.
    public var mqtt: MQTTListenerSpec
    /// Set for the zoo's bad servers: which one it is (it presents `ca/zoo/servers/NAME/`, not `certificate`).
    public var zoo: ZooServer?
    /// Where its port is chosen, for messages: a lab.yaml key path (`endpoints.mqtt[1].port`) or a command-line
    /// option (`--port echo=PORT`).
    public var portSetting: String
    /// Where its address is chosen, for messages: `endpoints.bind`, `endpoints.echo.bind` or `--bind`.
    public var bindSetting: String
    /// MQTT: this is the plain-TCP listener (no TLS) beside a TLS one, made from its `plain_port`.
    public var isPlainMQTT = false

    public init(kind: Kind, name: String? = nil, bind: String = "127.0.0.1", port: Int? = nil, certificate: String,
                clientAuth: ClientAuth = .require, trust: [String], clientChain: ClientChain = .complete,
                minimumTLS: TLSVersion = .tls12, maximumTLS: TLSVersion = .tls13, ciphers: [String] = [], alpn: [String] = [],
                files: String? = nil, http2: Bool = true, mqtt: MQTTListenerSpec = MQTTListenerSpec()) {
        self.kind = kind
        self.name = name ?? kind.rawValue
        self.bind = bind
        self.port = port ?? kind.defaultPort
        self.certificate = certificate
        self.clientAuth = clientAuth
        self.trust = trust
        self.clientChain = clientChain
        self.minimumTLS = minimumTLS
        self.maximumTLS = maximumTLS
        self.ciphers = ciphers
        self.alpn = alpn
        self.files = files
        self.http2 = http2
        self.mqtt = mqtt
        self.zoo = nil
        self.filesLocation = nil
        self.limits = ServingLimits()
        self.portSetting = "endpoints.\(kind.rawValue).port"
        self.bindSetting = "endpoints.bind"
    }
}
