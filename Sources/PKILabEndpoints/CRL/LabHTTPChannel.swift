import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's plain HTTP/1.1 child channel (the CRL/OCSP port), behind the lab's connection caps, with
/// `endpoints.idle_timeout`: a connection that sends no complete request in that time (a half-sent header, or
/// idle between requests) is closed.
struct LabHTTPChannel: ServerChildChannel {
    struct Value: ServerChildChannelValue {
        /// Nil when the connection was refused by a cap (and is already closing).
        let http1: HTTP1Channel.Value?
        let channel: any Channel
    }

    let name: String
    let limiter: ConnectionLimiter
    let http1: HTTP1Channel

    init(name: String, idleTimeout: Int, limiter: ConnectionLimiter, responder: @escaping HTTPChannelHandler.Responder) {
        self.name = name
        self.limiter = limiter
        http1 = HTTP1Channel(responder: responder, configuration: .init(idleTimeout: .seconds(Int64(idleTimeout))))
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard limiter.admit(channel, endpoint: name) else {
            return channel.eventLoop.makeSucceededFuture(Value(http1: nil, channel: channel))
        }
        return http1.setup(channel: channel, logger: logger).map { Value(http1: $0, channel: channel) }
    }

    func handle(value: Value, logger: Logger) async {
        guard let connection = value.http1 else { return }
        await http1.handle(value: connection, logger: logger)
    }
}
