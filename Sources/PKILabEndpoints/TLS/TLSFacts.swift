import NIOCore
import NIOSSL

/// What a connection's TLS engine negotiated, read the same way whichever engine the listener runs
/// (``PKILab/EndpointSpec/TLSEngine``): the handlers after the TLS handler ask for these, never for the engine.
struct TLSFacts: Sendable {
    /// "1.2", "1.3"…
    var version: String?
    /// The client's leaf certificate (also on a resumed session).
    var peerCertificateDER: [UInt8]?
}

extension ChannelPipeline.SynchronousOperations {
    /// The facts of the connection's TLS handler, once the handshake completed.
    func tlsFacts() -> TLSFacts {
        if let openSSL = try? handler(type: OpenSSLServerHandler.self) {
            return TLSFacts(version: openSSL.tlsVersion, peerCertificateDER: openSSL.peerCertificateDER)
        }
        let version = (try? nioSSL_tlsVersion()).flatMap { $0 }.map(TLSEventHandler.name)
        let peer = ((try? nioSSL_peerCertificate()) ?? nil).flatMap { try? $0.toDERBytes() }
        return TLSFacts(version: version, peerCertificateDER: peer)
    }
}
