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
    /// otherwise be failed by the TLS handler while pkilab is still checking its certificate: the state machine
    /// holds the half-close back until the handshake is over (``forwardInputClosed()``).
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            // Closed at once while draining, held back during the check, else passed on (``forwardInputClosed()``).
            state.handle { $0.inputClosed().map { [$0] } ?? [] }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Passes on the half-close the state machine held back.
    func forwardInputClosed() {
        context?.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // After a refused handshake the connection only drains what the client still sends (see ServerHelloObserver).
        if state.read(\.draining) { return }
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
            state.handle { $0.clientHelloParsed(hello); return [] }
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
        var alert: UInt8?
        while let header = buffer.getBytes(at: offset, length: 5) {
            let length = Int(header[3]) << 8 | Int(header[4])
            if header[0] == 0x15, length == 2, let bytes = buffer.getBytes(at: offset + 5, length: 2), bytes[0] == 2 {
                alert = bytes[1]
                break
            }
            guard header[0] >= 0x14, header[0] <= 0x17 else { break }
            offset += 5 + length
        }
        let count = buffer.readableBytes
        state.handle { $0.clientSentAfterHello(bytes: count, alert: alert); return [] }
    }

    private func refusePlainText(context: ChannelHandlerContext) {
        done = true
        let text = String(decoding: seen.prefix(48).map { (0x20...0x7E).contains($0) ? $0 : 0x2E }, as: UTF8.self)
        let isHTTP = ["GET ", "POST", "HEAD", "PUT ", "DELE", "OPTI", "PATC", "CONN"].contains { String(decoding: seen.prefix(4), as: UTF8.self) == $0 }
        let spec = state.endpoint.spec
        let url = isHTTP && spec.kind == .https
            ? "https://\(DisplayHost.of(spec.bind)):\(context.channel.localAddress?.port ?? spec.port)/" : nil
        let left = state.handle { $0.refusedNow(.notATLSClient(firstBytes: text, plainHTTP: isHTTP, httpsURL: url)) }
        guard left.contains(.answerPlainHTTP) else { return }
        let body = "This is a TLS port of a pkilab lab: use https:// and a client certificate.\n"
        let response = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(string: response))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}
