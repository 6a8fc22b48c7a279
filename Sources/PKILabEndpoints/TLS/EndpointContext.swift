import NIOCore
import NIOSSL
import PKILab
import X509

/// What every connection to one endpoint shares: its spec, TLS context, the verifier for client certificates
/// and the event log.
final class EndpointContext: Sendable {
    let spec: EndpointSpec
    let sslContext: NIOSSLContext
    /// Trusts the endpoint's `trust` authorities and knows the lab's intermediates (to complete leaf-only chains).
    let verifier: ChainVerifier
    /// The lab's intermediates as NIOSSL certificates, by subject, to hand back a completed chain.
    let intermediatesBySubject: [String: NIOSSLCertificate]
    let events: EventLog
    let handshakeTimeout: TimeAmount
    /// The trust anchor's path, as the hints print it.
    let rootBundle: String
    /// A client identity of the lab, for the hints' example commands (nil when the lab has none).
    let exampleClient: IdentityFiles?
    /// The lab's validation clock: the machine's, moved by `--lab-clock-offset`.
    let clock: ClockOffset
    /// What the story of a connection needs to know about this endpoint.
    let facts: EndpointFacts
    /// Set when no connection may resume another's TLS session (an `aws` listener: AWS IoT has no session
    /// tickets): each connection gets its own context made from it, and BoringSSL takes a session ticket only
    /// from the context that issued it, so every handshake is a full one.
    let unresumable: TLSConfiguration?
    /// The OpenSSL engine's context, when the endpoint runs on it (`tls_engine: openssl`).
    let openSSL: OpenSSLServerContext?

    init(spec: EndpointSpec, sslContext: NIOSSLContext, verifier: ChainVerifier, events: EventLog, handshakeTimeout: TimeAmount,
         rootBundle: String, exampleClient: IdentityFiles?, clock: ClockOffset = .zero, serverRoot: String? = nil,
         unresumable: TLSConfiguration? = nil, openSSL: OpenSSLServerContext? = nil) throws {
        self.unresumable = unresumable
        self.openSSL = openSSL
        self.clock = clock
        self.rootBundle = DisplayPath.relative(rootBundle)
        self.exampleClient = exampleClient
        self.spec = spec
        self.sslContext = sslContext
        self.verifier = verifier
        var bySubject: [String: NIOSSLCertificate] = [:]
        for certificate in verifier.intermediates + verifier.roots {
            bySubject[certificate.subject.description] = try NIOSSLCertificate(bytes: try certificate.derBytes, format: .der)
        }
        intermediatesBySubject = bySubject
        self.events = events
        self.handshakeTimeout = handshakeTimeout
        facts = EndpointFacts(name: spec.name, kind: spec.kind, zoo: spec.zoo, clientAuth: spec.clientAuth, tlsEngine: spec.tlsEngine,
                              context: Self.rejectionContext(spec: spec, verifier: verifier, rootBundle: self.rootBundle,
                                                             exampleClient: exampleClient, clock: clock, serverRoot: serverRoot))
    }

    /// The TLS context for a new connection: the endpoint's own, or a fresh one when sessions must not resume.
    func connectionContext() throws -> NIOSSLContext {
        guard let unresumable else { return sslContext }
        return try ServerTLS.context(spec, configuration: unresumable)
    }

    /// What the words of a refusal at this endpoint may name.
    static func rejectionContext(spec: EndpointSpec, verifier: ChainVerifier, rootBundle: String, exampleClient: IdentityFiles?,
                                 clock: ClockOffset, serverRoot: String? = nil) -> RejectionContext {
        RejectionContext(kind: spec.kind, serverCertificate: spec.certificate, rootBundle: rootBundle,
                         trustedAuthorities: verifier.roots.map { $0.subject.commonName ?? $0.subject.description }, clock: clock,
                         minimumTLS: spec.minimumTLS, maximumTLS: spec.maximumTLS,
                         exampleClient: exampleClient.map { .init(cert: $0.cert, chain: $0.chain, fullchain: $0.fullchain, key: $0.key) },
                         serverRoot: serverRoot)
    }
}
