import NIOCore
import PKILab

/// Reads the first bytes of a connection before the TLS handler does: a ClientHello gives the event its SNI,
/// ALPN and offered versions; anything else is a client that does not speak TLS, which is told so (an HTTP
/// client gets a plain-text 400 saying to use https://) and closed.
final class ClientHelloSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let state: ConnectionState
    private var seen: [UInt8] = []
    private var done = false
    private var readsAfterHello = 0
    private var context: ChannelHandlerContext?
    private var handshakeOver = false
    private var deferredInputClosed = false

    init(state: ConnectionState) {
        self.state = state
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// A client that sends its last bytes and closes its side at once (`printf … | openssl s_client`) would
    /// otherwise be failed by the TLS handler while pkilab is still checking its certificate: once that check
    /// has started (or, for a resumed session, the check of its certificate again), hold the half-close back
    /// until the handshake is over.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event, state.read({ $0.draining }) {
            context.close(promise: nil)
            return
        }
        if case ChannelEvent.inputClosed = event, !handshakeOver, state.read({ $0.callbackRan || $0.recheckingResumedSession }) {
            deferredInputClosed = true
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Called by the event handler when the handshake has completed or failed.
    func handshakeEnded() {
        handshakeOver = true
        if deferredInputClosed, let context {
            deferredInputClosed = false
            context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // After a refused handshake the connection only drains what the client still sends (see ServerHelloObserver).
        if state.read({ $0.draining }) { return }
        guard !done else {
            watchForPlaintextAlert(unwrapInboundIn(data))
            context.fireChannelRead(data)
            return
        }
        let buffer = unwrapInboundIn(data)
        seen += buffer.readableBytesView.prefix(16_384 - seen.count)
        switch ClientHello.parse(seen) {
        case nil where seen.count < 16_384:
            context.fireChannelRead(data)
        case .success(let hello)?:
            state.update { $0.hello = hello }
            finish(context: context, forwarding: data)
        case .failure(.notTLS)?:
            refusePlainText(context: context)
        default:
            finish(context: context, forwarding: data)
        }
    }

    private func finish(context: ChannelHandlerContext, forwarding data: NIOAny) {
        done = true
        seen = []
        context.fireChannelRead(data)
    }

    /// A TLS 1.3 client that refuses the server's certificate sends its alert before it has handshake keys, in
    /// plain text, which BoringSSL reports only as BAD_PACKET_LENGTH. Read the alert here instead.
    private func watchForPlaintextAlert(_ buffer: ByteBuffer) {
        guard readsAfterHello < 8 else { return }
        readsAfterHello += 1
        var offset = buffer.readerIndex
        while let header = buffer.getBytes(at: offset, length: 5) {
            let length = Int(header[3]) << 8 | Int(header[4])
            if header[0] == 0x15, length == 2, let alert = buffer.getBytes(at: offset + 5, length: 2), alert[0] == 2 {
                state.update { if $0.clientAlert == nil { $0.clientAlert = alert[1] } }
                return
            }
            guard header[0] >= 0x14, header[0] <= 0x17 else { return }
            offset += 5 + length
        }
    }

    private func refusePlainText(context: ChannelHandlerContext) {
        done = true
        let text = String(decoding: seen.prefix(48).map { (0x20...0x7E).contains($0) ? $0 : 0x2E }, as: UTF8.self)
        let isHTTP = ["GET ", "POST", "HEAD", "PUT ", "DELE", "OPTI", "PATC", "CONN"].contains { String(decoding: seen.prefix(4), as: UTF8.self) == $0 }
        let spec = state.endpoint.spec
        let hint = isHTTP && spec.kind == .https
            ? "use https://\(spec.bind == "0.0.0.0" ? "localhost" : spec.bind):\(context.channel.localAddress?.port ?? spec.port)/ (this port speaks TLS only), with the client certificate"
            : "this port speaks TLS only: connect with a TLS client (openssl s_client, mosquitto --cafile …), not plain TCP or HTTP"
        state.reject(.init(reason: .notATLSClient, explanation: "the client does not speak TLS: it sent \"\(text)\"" + (isHTTP ? " (plain HTTP)" : ""),
                           hint: hint))
        state.emit(accepted: false)
        if isHTTP && spec.kind == .https {
            let body = "This is a TLS port of a pkilab lab: use https:// and a client certificate.\n"
            let response = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(string: response))).whenComplete { _ in
                channel.close(promise: nil)
            }
        } else {
            context.close(promise: nil)
        }
    }
}
