import NIOCore
import NIOSSL

/// The handlers every lab endpoint puts in front of its application: the ClientHello and ServerHello
/// observers, the TLS handler of the endpoint's engine (swift-nio-ssl, or OpenSSL with `tls_engine: openssl`) with
/// pkilab's client-certificate check, and the event handler.
enum LabTLSPipeline {
    static func configure(_ channel: any Channel, endpoint: EndpointContext) throws -> ConnectionState {
        let state = ConnectionState(endpoint: endpoint, channel: channel)
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(ServerHelloObserver(state: state))
        try sync.addHandler(ClientHelloSniffer(state: state))
        if let openSSL = endpoint.openSSL {
            try sync.addHandler(OpenSSLServerHandler(context: openSSL) { chain in
                state.checkNow(ders: chain).map(OpenSSLVerifyError.init)
            })
        } else {
            try sync.addHandler(NIOSSLServerHandler(context: try endpoint.connectionContext(), customVerificationCallbackWithMetadata: { certificates, promise in
                state.verify(certificates, promise: promise)
            }))
        }
        try sync.addHandler(TLSEventHandler(state: state))
        return state
    }

    /// `127.0.0.1:50312` or `[::1]:50312`, as events name the client.
    static func peer(of channel: any Channel) -> String {
        switch channel.remoteAddress {
        case .v4(let address)?: "\(address.host):\(channel.remoteAddress?.port ?? 0)"
        case .v6(let address)?: "[\(address.host)]:\(channel.remoteAddress?.port ?? 0)"
        default: "unknown"
        }
    }
}
