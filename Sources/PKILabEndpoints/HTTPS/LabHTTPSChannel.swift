import HummingbirdCore
import HummingbirdHTTP2
import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// Hummingbird's child channel for the HTTPS endpoint: pkilab's TLS pipeline (with its client-certificate
/// check and connection events), then HTTP/2 or HTTP/1.1 as ALPN decides.
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
    let http1: HTTP1Channel
    let http2: HTTP2Channel?

    init(endpoint: EndpointContext, responder: @escaping HTTPChannelHandler.Responder) {
        self.endpoint = endpoint
        http1 = HTTP1Channel(responder: responder)
        http2 = endpoint.spec.http2 ? HTTP2Channel(responder: responder) : nil
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            _ = try LabTLSPipeline.configure(channel, endpoint: endpoint)
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
