import Foundation

/// What the words of a refusal may name about the endpoint that refused: its kind, the certificate it presents,
/// the authorities it trusts, its clock and TLS versions, and a client identity of the lab for example commands.
public struct RejectionContext: Sendable, Hashable {
    /// The files of a client identity of the lab, as the hints' example commands name them.
    public struct ExampleClient: Sendable, Hashable {
        public var cert: String
        public var chain: String
        public var fullchain: String
        public var key: String

        public init(cert: String, chain: String, fullchain: String, key: String) {
            self.cert = cert
            self.chain = chain
            self.fullchain = fullchain
            self.key = key
        }
    }

    public var kind: EndpointSpec.Kind
    /// The certificate the endpoint presents (its lab.yaml name).
    public var serverCertificate: String
    /// The trust anchor's path, as hints print it.
    public var rootBundle: String
    /// The names of the authorities whose client certificates the endpoint accepts.
    public var trustedAuthorities: [String]
    /// The lab's validation clock (`--lab-clock-offset`).
    public var clock: ClockOffset
    public var minimumTLS: EndpointSpec.TLSVersion
    public var maximumTLS: EndpointSpec.TLSVersion
    /// A client identity of the lab (nil when the lab has none).
    public var exampleClient: ExampleClient?
    /// The root the presented certificate chains to (named for the object store, whose root differs from the
    /// devices' usual one).
    public var serverRoot: String?
    /// The client certificate's name as sentences quote it (`"device-001"`), when the client sent one.
    public var clientName: String?

    public init(kind: EndpointSpec.Kind, serverCertificate: String, rootBundle: String, trustedAuthorities: [String], clock: ClockOffset,
                minimumTLS: EndpointSpec.TLSVersion, maximumTLS: EndpointSpec.TLSVersion, exampleClient: ExampleClient?, clientName: String? = nil, serverRoot: String? = nil) {
        self.kind = kind
        self.serverCertificate = serverCertificate
        self.rootBundle = rootBundle
        self.trustedAuthorities = trustedAuthorities
        self.clock = clock
        self.minimumTLS = minimumTLS
        self.maximumTLS = maximumTLS
        self.exampleClient = exampleClient
        self.clientName = clientName
        self.serverRoot = serverRoot
    }
}
