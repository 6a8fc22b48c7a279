import NIOCore
import NIOTLS
import PKILab
import X509

/// Sits just before the TLS event handler: when a handshake completes, counts the client certificate against
/// `endpoints.max_connections_per_client` and, past it, tells a `client_connection_limit` rejection (instead of
/// the acceptance) and closes the connection.
final class ClientLimitHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let state: ConnectionState
    private let limiter: ConnectionLimiter

    init(state: ConnectionState, limiter: ConnectionLimiter) {
        self.state = state
        self.limiter = limiter
    }

    /// Adds the handler in front of the TLS event handler of `channel` (set up by ``LabTLSPipeline/configure(_:endpoint:)``).
    static func install(on channel: any Channel, state: ConnectionState, limiter: ConnectionLimiter) throws {
        let sync = channel.pipeline.syncOperations
        let events = try sync.handler(type: TLSEventHandler.self)
        try sync.addHandler(ClientLimitHandler(state: state, limiter: limiter), position: .before(events))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event, let client = client(context) {
            if !limiter.admitClient(context.channel, fingerprint: client.fingerprintSHA256) {
                let limit = limiter.caps.perClient
                state.handle { machine in
                    machine.clientPresented(client)
                    return machine.refusedNow(.clientConnectionLimit(limit: limit))
                }
                return
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// The certificate the client presented: as pkilab's check recorded it, or (a resumed session) read back.
    private func client(_ context: ChannelHandlerContext) -> ConnectionEvent.ClientCertificate? {
        if let client = state.read(\.client) { return client }
        guard let der = context.pipeline.syncOperations.tlsFacts().peerCertificateDER, let leaf = try? Certificate(derEncoded: der) else { return nil }
        return ConnectionEvent.ClientCertificate(CertificateDescription(leaf), chain: [])
    }
}
