import HummingbirdCore
import Logging
import NIOCore
import PKILab
import ServiceLifecycle

/// Hummingbird's child channel for AWS IoT's port 443 twin: pkilab's TLS pipeline, then the ``ALPNDispatcher``,
/// which hands the connection to the MQTT broker (`x-amzn-mqtt-ca`, `mqtt`), to the lab's HTTPS routes over
/// HTTP/1.1 (`x-amzn-http-ca`), or holds it unanswered (no usable ALPN), as AWS IoT does on 443.
///
/// It is a Hummingbird server so the HTTPS side is the `https` endpoint's own router and HTTP/1.1 channel; an MQTT
/// or held connection is a plain NIO pipeline the server only waits on.
struct AWSPortChannel: ServerChildChannel {
    /// What the dispatcher made of a connection.
    enum Handed: Sendable {
        case mqtt
        case http1(HTTP1Channel.Value)
        case unanswered
    }

    struct Value: ServerChildChannelValue {
        let handed: EventLoopFuture<Handed>
        let channel: any Channel
    }

    let endpoint: EndpointContext
    let limiter: ConnectionLimiter
    let listener: MQTTListener
    let http1: HTTP1Channel

    init(endpoint: EndpointContext, limiter: ConnectionLimiter, listener: MQTTListener, responder: @escaping HTTPChannelHandler.Responder) {
        self.endpoint = endpoint
        self.limiter = limiter
        self.listener = listener
        http1 = HTTP1Channel(responder: responder, configuration: .init(idleTimeout: .seconds(Int64(endpoint.spec.limits.idleTimeout))))
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            guard limiter.admit(channel, endpoint: endpoint.spec.name) else {
                return Value(handed: channel.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel), channel: channel)
            }
            let state = try LabTLSPipeline.configure(channel, endpoint: endpoint)
            try ClientLimitHandler.install(on: channel, state: state, limiter: limiter)
            let listener = self.listener, http1 = self.http1
            let peer = LabTLSPipeline.peer(of: channel)
            // AWS waits on a connection without ALPN as on an HTTP request that never comes: the lab's HTTP idle timeout.
            let hold = TimeAmount.seconds(Int64(endpoint.spec.limits.idleTimeout))
            let dispatcher = ALPNDispatcher<Handed>(state: state, holdFor: hold, eventLoop: channel.eventLoop) { route, channel in
                switch route {
                case .application(.mqtt, _):
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(MQTTConnectionHandler(listener: listener, state: state, peer: peer))
                        return .mqtt
                    }
                case .application(.https, _):
                    http1.setup(channel: channel, logger: logger).map { .http1($0) }
                case .unanswered:
                    channel.eventLoop.makeSucceededFuture(.unanswered)
                }
            }
            try channel.pipeline.syncOperations.addHandler(dispatcher)
            return Value(handed: dispatcher.handed, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        // A failed handshake has already been told by the TLS event handler.
        guard let handed = try? await value.handed.get() else { return }
        switch handed {
        case .http1(let connection):
            await http1.handle(value: connection, logger: logger)
        case .mqtt, .unanswered:
            // The broker (or the hold) runs on the channel's own handlers; on shutdown it is asked to finish, as
            // a TCP listener's connections are.
            let channel = value.channel
            await withGracefulShutdownHandler {
                try? await channel.closeFuture.get()
            } onGracefulShutdown: {
                channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            }
        }
    }
}
