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

    init(spec: EndpointSpec, sslContext: NIOSSLContext, verifier: ChainVerifier, events: EventLog, handshakeTimeout: TimeAmount,
         rootBundle: String, exampleClient: IdentityFiles?, clock: ClockOffset = .zero) throws {
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
    }

    /// What a client needs to add to be let in, in the words of the tools people use.
    var clientCertificateHint: String {
        guard let client = exampleClient else {
            return "give the client a certificate with role: client from the lab (its cert.pem, chain and key.pem)"
        }
        let path = DisplayPath.relative
        return switch spec.kind {
        case .https: "curl: add --cert \(path(client.fullchain)) --key \(path(client.key))"
        case .echo: "openssl s_client: add -cert \(path(client.cert)) -cert_chain \(path(client.chain)) -key \(path(client.key))"
        case .crl, .sntp: "give the client a certificate with role: client from the lab"
        case .mqtt: "mosquitto_pub/sub: add --cert \(path(client.fullchain)) --key \(path(client.key)); paho: tls_set(certfile=\(path(client.fullchain)), keyfile=\(path(client.key)))"
        }
    }
}
