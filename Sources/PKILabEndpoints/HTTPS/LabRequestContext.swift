import Hummingbird
import NIOCore
import PKILab

/// The request context of the HTTPS endpoint: it keeps the connection's channel, so a route can read what the
/// TLS handshake established (the client certificate, version, ALPN).
struct LabRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The accepted connection event of this request's connection (for HTTP/2, of the stream's parent).
    func connection() async -> ConnectionEvent? {
        let channel = self.channel
        return try? await channel.eventLoop.submit { () -> ConnectionEvent? in
            if let handler = try? channel.pipeline.syncOperations.handler(type: TLSEventHandler.self) {
                return handler.state.acceptedEvent
            }
            // An HTTP/2 stream's parent is its connection, on the same loop; a plain HTTP/1 connection's parent is
            // the listening socket, elsewhere.
            guard let parent = channel.parent, parent.eventLoop.inEventLoop,
                  let handler = try? parent.pipeline.syncOperations.handler(type: TLSEventHandler.self) else {
                return nil
            }
            return handler.state.acceptedEvent
        }.get()
    }
}
