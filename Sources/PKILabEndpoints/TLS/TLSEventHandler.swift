import Foundation
import NIOCore
import NIOSSL
import NIOTLS
import PKILab

/// Sits after the TLS handler and reports how the handshake ended to the connection's state machine: completed
/// (with version, ALPN, resumption), failed (the library's error, classified by ``TLSFailure``), timed out, or
/// closed. It is the seam to the TLS engine: the facts it reads (``TLSFacts``) and the engine's error are all the
/// reasons need.
final class TLSEventHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let state: ConnectionState
    private var timeout: Scheduled<Void>?
    private var completed = false
    /// What arrived while a resumed session's certificate is checked again (nil when nothing is held back).
    private var held: [Held]?
    /// A resumed session was refused: nothing more the client sends is passed on while the TLS handler closes.
    private var refused = false

    private enum Held {
        case read(NIOAny)
        case readComplete
        case event(Any)
    }

    init(state: ConnectionState) {
        self.state = state
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let state = self.state
        let seconds = Int(state.endpoint.handshakeTimeout.nanoseconds / 1_000_000_000)
        timeout = context.eventLoop.scheduleTask(in: state.endpoint.handshakeTimeout) {
            state.handle { $0.refusedNow(.handshakeTimeout(seconds: seconds)) }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timeout?.cancel()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if refused { return }
        if held != nil {
            held!.append(.event(event))
            return
        }
        if case TLSUserEvent.handshakeCompleted(let alpn) = event {
            completed = true
            Self.acknowledgeNow(context.channel)
            let facts = context.pipeline.syncOperations.tlsFacts()
            let version = facts.version
            if state.read({ $0.verification == .notStarted }), let peer = facts.peerCertificateDER {
                // A resumed session: BoringSSL let it in on the strength of the first handshake. Check its
                // certificate again, holding back everything the client sends (and the news that the handshake
                // is done) until the check has spoken, so no application byte is acted upon before.
                held = []
                state.recheckResumedSession(peer, on: context.eventLoop).assumeIsolated().whenComplete { result in
                    let refusal: RejectionReason? = switch result {
                    case .success(let refusal): refusal
                    case .failure: .resumedSessionRefused(.certificate(.unparseable))
                    }
                    self.resumptionChecked(context: context, event: event, negotiated: .init(tlsVersion: version, alpn: alpn, resumed: true), refusal: refusal)
                }
                return
            }
            timeout?.cancel()
            // The application hears that the handshake is done before a half-close held back meanwhile.
            let after = state.handle(deferring: [.forwardInputClosed]) { $0.handshakeCompleted(.init(tlsVersion: version, alpn: alpn, resumed: false)) }
            context.fireUserInboundEventTriggered(event)
            state.carryOut(after)
            return
        } else if event is ChannelShouldQuiesceEvent, !completed {
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// The resumed session's certificate has been checked again: let the connection through with what it held
    /// back, or refuse it (nothing it sent reaches the application).
    private func resumptionChecked(context: ChannelHandlerContext, event: Any, negotiated: ConnectionStateMachine.Negotiated, refusal: RejectionReason?) {
        timeout?.cancel()
        if let refusal {
            held = nil
            refused = true
            state.handle { $0.handshakeCompleted(negotiated, refusal: refusal) }
            return
        }
        let after = state.handle(deferring: [.forwardInputClosed]) { $0.handshakeCompleted(negotiated) }
        guard context.channel.isActive, held != nil else {
            held = nil
            return
        }
        context.fireUserInboundEventTriggered(event)
        defer { state.carryOut(after) }
        // What arrives while the held items are passed on joins the end of the queue, so the order stays.
        while let next = held?.first {
            held!.removeFirst()
            switch next {
            case .read(let data): context.fireChannelRead(data)
            case .readComplete: context.fireChannelReadComplete()
            case .event(let event): context.fireUserInboundEventTriggered(event)
            }
        }
        held = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if refused { return }
        if held != nil {
            held!.append(.read(data))
            return
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if refused { return }
        if held != nil {
            held!.append(.readComplete)
            return
        }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !completed {
            // The TLS handler sends its alert and closes by itself; a handler further on that closed now could
            // get a close_notify out before the alert. So a handshake error stops here.
            let failure = state.read { TLSFailure.classify(error, hello: $0.hello, clientAlert: $0.clientAlert, sawCertificate: $0.client != nil) }
            state.handle { $0.connectionEnded(failure) }
            return
        }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeout?.cancel()
        // Closed while a resumed session was being checked: the check still tells the story; nothing held is
        // passed on.
        held = nil
        if !completed {
            state.handle { $0.connectionEnded(.init(reason: .peerClosed, detail: "EOF during handshake")) }
        }
        context.fireChannelInactive()
    }

    /// Sends the ACK of what the client sent last now, not after Linux's delayed-ACK timer. In TLS 1.3 BoringSSL has
    /// nothing to send after the client's Finished (its tickets went out before), so the kernel holds the ACK for up to
    /// 40 ms, and a client with Nagle's algorithm on (libmosquitto's default) holds its CONNECT until that ACK comes:
    /// 44 ms from connect to CONNACK instead of 2 (Mosquitto, whose OpenSSL sends its tickets after the Finished, 4.8).
    static func acknowledgeNow(_ channel: any Channel) {
        #if os(Linux)
        _ = try? channel.syncOptions?.setOption(ChannelOptions.tcpOption(.init(rawValue: CInt(TCP_QUICKACK))), value: 1)
        #endif
    }

    static func name(_ version: TLSVersion) -> String {
        switch version {
        case .tlsv1: "1.0"
        case .tlsv11: "1.1"
        case .tlsv12: "1.2"
        case .tlsv13: "1.3"
        }
    }
}
