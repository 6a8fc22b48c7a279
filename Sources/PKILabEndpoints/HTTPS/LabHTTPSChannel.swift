import HummingbirdCore
import HummingbirdHTTP2
import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// Hummingbird's child channel for the HTTPS endpoint: pkilab's TLS pipeline (with its client-certificate
/// check and connection events), then HTTP/2 or HTTP/1.1 as ALPN decides.
///
/// Every connection first counts against the lab's connection caps (``ConnectionLimiter``), and an HTTP connection
/// that sends no complete request for `endpoints.idle_timeout` seconds (a half-sent header, or idle between
/// requests) is closed.
///
/// Hummingbird's own TLS and HTTP/2 channels add their TLS handler themselves, with no room for the
/// handlers that explain a failed handshake, so this one does what `HTTP2UpgradeChannel` does with ours.
struct LabHTTPSChannel: ServerChildChannel {
    enum Negotiated: Sendable {
        case http1(HTTP1Channel.Value)
        case http2(HTTP2Channel.Value)
    }

    struct Value: ServerChildChannelValue {
        let negotiated: EventLoopFuture<Negotiated>
        let channel: any Channel
    }

    let endpoint: EndpointContext
    let limiter: ConnectionLimiter
    let http1: HTTP1Channel
    let http2: HTTP2Channel?

    init(endpoint: EndpointContext, limiter: ConnectionLimiter, responder: @escaping HTTPChannelHandler.Responder) {
        self.endpoint = endpoint
        self.limiter = limiter
        let idle = Duration.seconds(endpoint.spec.limits.idleTimeout)
        let stream = HTTP1Channel.Configuration(idleTimeout: .seconds(Int64(endpoint.spec.limits.idleTimeout)))
        http1 = HTTP1Channel(responder: responder, configuration: stream)
        http2 = endpoint.spec.http2 ? HTTP2Channel(responder: responder, configuration: .init(idleTimeout: idle, streamConfiguration: stream)) : nil
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            guard limiter.admit(channel, endpoint: endpoint.spec.name) else {
                return Value(negotiated: channel.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel), channel: channel)
            }
            let state = try LabTLSPipeline.configure(channel, endpoint: endpoint)
            try ClientLimitHandler.install(on: channel, state: state, limiter: limiter)
            let http1 = self.http1, http2 = self.http2
            let negotiation = NIOTypedApplicationProtocolNegotiationHandler<Negotiated> { result, channel in
                switch result {
                case .negotiated("h2") where http2 != nil:
                    return http2!.setup(channel: channel, logger: logger).map { .http2($0) }
                default:
                    return http1.setup(channel: channel, logger: logger).map { .http1($0) }
                }
            }
            try channel.pipeline.syncOperations.addHandler(negotiation)
            return Value(negotiated: negotiation.protocolNegotiationResult, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        // A failed handshake has already been told by the TLS event handler.
        guard let negotiated = try? await value.negotiated.get() else { return }
        switch negotiated {
        case .http1(let connection): await http1.handle(value: connection, logger: logger)
        case .http2(let connection): await http2?.handle(value: connection, logger: logger)
        }
    }
}
