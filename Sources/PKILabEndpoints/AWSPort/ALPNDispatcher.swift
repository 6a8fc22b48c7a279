import NIOCore
import NIOTLS
import PKILab

/// Sits after the TLS event handler on AWS IoT's port 443 twin and, once the handshake completes, hands the
/// connection on by the ALPN protocol negotiated, as AWS does on 443: `x-amzn-mqtt-ca` or `mqtt` to the broker,
/// `x-amzn-http-ca` to the HTTPS routes. A connection that negotiated neither (the client offered no ALPN, or only
/// protocols the port does not speak) is what AWS takes for WebSocket/SigV4: TLS completed, and then nothing is
/// ever answered. The dispatcher tells one `alpn_missing` event at once, reads and drops what the client sends, and
/// closes after `holdFor` (or when the client gives up).
///
/// `attach` adds the chosen application's handlers (and is called for a held connection too, so its result tells
/// the channel's owner what became of it). The handshake's news and whatever the client sent meanwhile are passed
/// on once it has, so the application starts as on its own listener; then the dispatcher removes itself.
final class ALPNDispatcher<Handed: Sendable>: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private enum Phase {
        /// The handshake is not over.
        case handshaking
        /// The application is being attached: what the client sends meanwhile waits.
        case attaching(reads: [NIOAny], readComplete: Bool)
        /// No application: the client's bytes are dropped until it gives up or `holdFor` passes.
        case holding
        /// Handed on (the dispatcher is on its way out of the pipeline).
        case handed
    }

    private let state: ConnectionState
    private let holdFor: TimeAmount
    private let attach: (ALPNRoute, any Channel) -> EventLoopFuture<Handed>
    private let promise: EventLoopPromise<Handed>
    private var phase = Phase.handshaking
    private var settled = false
    private var timer: Scheduled<Void>?

    /// What `attach` made of the connection; fails when the connection ended before the handshake completed.
    var handed: EventLoopFuture<Handed> { promise.futureResult }

    /// Must be made on the connection's event loop, `eventLoop`.
    init(state: ConnectionState, holdFor: TimeAmount, eventLoop: any EventLoop,
         attach: @escaping (ALPNRoute, any Channel) -> EventLoopFuture<Handed>) {
        self.state = state
        self.holdFor = holdFor
        self.attach = attach
        promise = eventLoop.makePromise(of: Handed.self)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        settle(.failure(ChannelError.ioOnClosedChannel))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch phase {
        case .handshaking:
            guard case TLSUserEvent.handshakeCompleted(let alpn) = event else { break }
            dispatch(context: context, event: event, route: ALPNRoute(alpn: alpn))
            return
        case .holding:
            // The client gave up (half-close) or the lab is stopping: nothing was ever going to be answered.
            if case ChannelEvent.inputClosed = event {
                context.close(promise: nil)
                return
            }
            if event is ChannelShouldQuiesceEvent {
                context.close(promise: nil)
                return
            }
        case .attaching, .handed:
            break
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch phase {
        case .attaching(var reads, let readComplete):
            reads.append(data)
            phase = .attaching(reads: reads, readComplete: readComplete)
        case .holding:
            break
        case .handshaking, .handed:
            context.fireChannelRead(data)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        switch phase {
        case .attaching(let reads, _): phase = .attaching(reads: reads, readComplete: true)
        case .holding: break
        case .handshaking, .handed: context.fireChannelReadComplete()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        settle(.failure(ChannelError.ioOnClosedChannel))
        context.fireChannelInactive()
    }

    private func dispatch(context: ChannelHandlerContext, event: Any, route: ALPNRoute) {
        switch route {
        case .application(let application, let alpn):
            phase = .attaching(reads: [], readComplete: false)
            state.handle { $0.dispatched(alpn: alpn, to: application) }
        case .unanswered:
            phase = .holding
            let offered = state.acceptedEvent?.alpnOffered ?? []
            state.handle { $0.refusedAfterHandshake(.alpnMissing(offered: offered)) }
            let channel = context.channel
            timer = context.eventLoop.scheduleTask(in: holdFor) { channel.close(promise: nil) }
        }
        let attached = attach(route, context.channel)
        attached.hop(to: context.eventLoop).assumeIsolated().whenComplete { result in
            self.attached(context: context, event: event, result: result)
        }
    }

    /// The application is in place (or could not be put there): pass on the handshake's news and what waited.
    private func attached(context: ChannelHandlerContext, event: Any, result: Result<Handed, any Error>) {
        settle(result)
        guard case .attaching(let reads, let readComplete) = phase else { return }
        phase = .handed
        if case .failure(let error) = result {
            context.fireErrorCaught(error)
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
        for read in reads { context.fireChannelRead(read) }
        if readComplete { context.fireChannelReadComplete() }
        context.pipeline.syncOperations.removeHandler(self, promise: nil)
    }

    private func settle(_ result: Result<Handed, any Error>) {
        guard !settled else { return }
        settled = true
        promise.completeWith(result)
    }
}
