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

    init(spec: EndpointSpec, sslContext: NIOSSLContext, verifier: ChainVerifier, events: EventLog, handshakeTimeout: TimeAmount) throws {
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
    }

    /// What a client needs to add to be let in, in the words of the tools people use.
    var clientCertificateHint: String {
        switch spec.kind {
        case .https: "curl: add --cert ca/certs/device-001/fullchain.pem --key ca/certs/device-001/key.pem"
        case .echo: "openssl s_client: add -cert ca/certs/device-001/cert.pem -cert_chain ca/certs/device-001/chain.pem -key ca/certs/device-001/key.pem"
        }
    }
}
