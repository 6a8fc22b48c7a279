import CPKILabTLS
import NIOCore
import NIOTLS

/// The server side of TLS on the system's OpenSSL 3, over memory BIOs: ciphertext from the socket in, plaintext to the
/// handlers after it; their plaintext in, ciphertext to the socket. What swift-nio-ssl's `NIOSSLServerHandler` does for
/// BoringSSL, with what OpenSSL adds: RFC 6066 max_fragment_length honoured, the alert OpenSSL servers send for each
/// certificate refusal, buffers released while a connection is idle, session tickets refused per certificate.
///
/// The client's chain is checked by `verify`, synchronously on the event loop, inside the handshake (OpenSSL 3.0
/// servers cannot suspend a handshake for an asynchronous check), and its answer decides the alert. The handshake's
/// end is told with `TLSUserEvent.handshakeCompleted`, as swift-nio-ssl tells it. Closing sends close_notify and
/// closes the socket at once, as nginx and Mosquitto do: it does not wait for the client's.
final class OpenSSLServerHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What the C verification callback reaches through the connection's context pointer.
    final class Verification {
        let check: ([[UInt8]]) -> OpenSSLVerifyError?

        init(_ check: @escaping ([[UInt8]]) -> OpenSSLVerifyError?) {
            self.check = check
        }

        func verify(_ chain: [[UInt8]]) -> Int32 {
            check(chain)?.x509Error ?? 0
        }
    }

    private enum State {
        case handshaking, active, closing, closed
    }

    private let context: OpenSSLServerContext
    private let verification: Verification
    private var connection: OpaquePointer?
    private var state = State.handshaking
    private var bufferedWrites: [(ByteBuffer, EventLoopPromise<Void>?)] = []
    private var flushRequested = false
    private var delivered = false
    /// Set while a close waits for the client (``closeAfterOutput(context:mode:promise:)``): closes at once.
    private var closeNow: (() -> Void)?

    /// "1.0" … "1.3", once the handshake completed.
    private(set) var tlsVersion: String?
    private(set) var negotiatedProtocol: String?
    /// The client's leaf certificate (also on a resumed session).
    private(set) var peerCertificateDER: [UInt8]?

    /// - Parameter verify: judges the chain the client sent (DER, leaf first), on the event loop: nil accepts it.
    init(context: OpenSSLServerContext, verify: @escaping ([[UInt8]]) -> OpenSSLVerifyError?) {
        self.context = context
        verification = Verification(verify)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        connection = pkilab_tls_conn_new(self.context.server, Unmanaged.passUnretained(verification).toOpaque())
        if connection == nil {
            state = .closed
            context.fireErrorCaught(OpenSSLTLSError(reasons: ["MALLOC_FAILURE"], lines: ["OpenSSL could not make a connection"],
                                                    alertSent: nil, alertReceived: nil, verifyResult: nil))
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        failBufferedWrites()
        pkilab_tls_conn_free(connection)
        connection = nil
    }

    deinit {
        pkilab_tls_conn_free(connection)
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        guard let connection, state != .closed else { return }
        let fed = bytes.withUnsafeReadableBytes { pkilab_tls_conn_feed(connection, $0.baseAddress, $0.count) }
        guard fed == 0 else { return fail(context: context) }
        switch state {
        case .handshaking: handshake(context: context)
        case .active, .closing: readPlaintext(context: context)
        case .closed: break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        writeOutput(context: context, flush: true)
        if delivered {
            delivered = false
            context.fireChannelReadComplete()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        state = .closed
        closeNow = nil
        failBufferedWrites()
        context.fireChannelInactive()
    }

    private func handshake(context: ChannelHandlerContext) {
        guard let connection else { return }
        switch pkilab_tls_conn_handshake(connection) {
        case 1:
            state = .active
            readFacts(connection)
            writeOutput(context: context, flush: true)
            context.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: negotiatedProtocol))
            guard state == .active else { return }
            let writes = bufferedWrites
            bufferedWrites = []
            for (data, promise) in writes { encrypt(data, context: context, promise: promise) }
            if flushRequested || !writes.isEmpty {
                flushRequested = false
                context.flush()
            }
            readPlaintext(context: context)
        case 0:
            writeOutput(context: context, flush: true)
        default:
            fail(context: context)
        }
    }

    private func readPlaintext(context: ChannelHandlerContext) {
        while let connection, state == .active || state == .closing {
            var code: Int32 = 0
            var buffer = context.channel.allocator.buffer(capacity: 16_384)
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 16_384) { raw in
                code = pkilab_tls_conn_read(connection, raw.baseAddress, raw.count)
                return code > 0 ? Int(code) : 0
            }
            if code > 0 {
                delivered = true
                context.fireChannelRead(wrapInboundOut(buffer))
                continue
            }
            // A read can write too (a key update's answer, a TLS 1.3 ticket).
            writeOutput(context: context, flush: true)
            if code == -2 {
                // The client's close_notify: answer it and close, as swift-nio-ssl does without half-closure; or the
                // answer to ours, which a waiting close was waiting for.
                if state == .active { close(context: context, mode: .all, promise: nil) } else { closeNow?() }
            } else if code == -1 {
                fail(context: context)
            }
            return
        }
    }

    // MARK: Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let bytes = unwrapOutboundIn(data)
        switch state {
        case .handshaking: bufferedWrites.append((bytes, promise))
        case .active: encrypt(bytes, context: context, promise: promise)
        case .closing, .closed: promise?.fail(ChannelError.ioOnClosedChannel)
        }
    }

    func flush(context: ChannelHandlerContext) {
        if state == .handshaking {
            flushRequested = true
        } else {
            context.flush()
        }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .all {
            failBufferedWrites()
        }
        guard mode != .input, state == .active, let connection else {
            context.close(mode: mode, promise: promise)
            return
        }
        state = .closing
        pkilab_tls_conn_shutdown(connection)
        closeAfterOutput(context: context, mode: mode, promise: promise)
    }

    /// Closes once what was written before (the response, the close_notify or the alert) has reached the socket — a
    /// close with writes still queued in the channel would drop them (3 s at most for a client that reads nothing) —
    /// and then the client's close_notify has come or 250 ms have passed, as swift-nio-ssl waits (`ServerTLS`): a socket
    /// closed while the client still sends makes the kernel reset the connection, and the client loses what it had not
    /// read yet.
    private func closeAfterOutput(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        let written = context.eventLoop.makePromise(of: Void.self)
        var closed = false
        let closeOnce = {
            guard !closed else { return }
            closed = true
            self.closeNow = nil
            context.close(mode: mode, promise: promise)
        }
        closeNow = closeOnce
        let loop = context.eventLoop.assumeIsolated()
        let deadline = loop.scheduleTask(in: .seconds(3)) { closeOnce() }
        written.futureResult.assumeIsolated().whenComplete { _ in
            deadline.cancel()
            loop.scheduleTask(in: .milliseconds(250)) { closeOnce() }
        }
        writeOutput(context: context, flush: true, promise: written)
    }

    private func encrypt(_ bytes: ByteBuffer, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        guard let connection else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        if bytes.readableBytes > 0 {
            let written = bytes.withUnsafeReadableBytes { pkilab_tls_conn_write(connection, $0.baseAddress, $0.count) }
            guard written >= 0 else {
                promise?.fail(error(connection))
                return fail(context: context)
            }
        }
        writeOutput(context: context, flush: false, promise: promise)
    }

    /// Hands whatever ciphertext OpenSSL has written to the socket.
    private func writeOutput(context: ChannelHandlerContext, flush: Bool, promise: EventLoopPromise<Void>? = nil) {
        guard let connection else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        let pending = pkilab_tls_conn_pending_output(connection)
        if pending > 0 {
            var out = context.channel.allocator.buffer(capacity: pending)
            out.writeWithUnsafeMutableBytes(minimumWritableBytes: pending) { raw in
                pkilab_tls_conn_take_output(connection, raw.baseAddress, pending)
            }
            context.write(wrapOutboundOut(out), promise: promise)
        } else {
            promise?.succeed(())
        }
        if flush && (pending > 0 || promise != nil) { context.flush() }
    }

    // MARK: Failure

    /// The handshake or a record failed: the alert OpenSSL wrote goes out first, then the error, then the close.
    private func fail(context: ChannelHandlerContext) {
        guard state != .closed, let connection else { return }
        let failure = error(connection)
        state = .closed
        failBufferedWrites()
        context.fireErrorCaught(failure)
        closeAfterOutput(context: context, mode: .all, promise: nil)
    }

    private func error(_ connection: OpaquePointer) -> OpenSSLTLSError {
        var text = [CChar](repeating: 0, count: 1_100)
        let length = pkilab_tls_conn_errors(connection, &text, text.count)
        let entries = String(decoding: text.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self).split(separator: "\n")
        let pairs = entries.map { $0.split(separator: "\t", maxSplits: 1).map(String.init) }
        let sent = pkilab_tls_conn_alert_sent(connection), received = pkilab_tls_conn_alert_received(connection)
        let verify = pkilab_tls_conn_verify_result(connection)
        return OpenSSLTLSError(reasons: pairs.compactMap(\.first), lines: pairs.map { $0.last ?? "" },
                               alertSent: sent >= 0 ? UInt8(sent) : nil, alertReceived: received >= 0 ? UInt8(received) : nil,
                               verifyResult: verify != 0 ? Int(verify) : nil)
    }

    private func failBufferedWrites() {
        let writes = bufferedWrites
        bufferedWrites = []
        for (_, promise) in writes { promise?.fail(ChannelError.ioOnClosedChannel) }
    }

    // MARK: Facts

    private func readFacts(_ connection: OpaquePointer) {
        tlsVersion = pkilab_tls_conn_version(connection).map { String(cString: $0) }.map(Self.version)
        var alpn = [CChar](repeating: 0, count: 256)
        negotiatedProtocol = pkilab_tls_conn_alpn(connection, &alpn, alpn.count) > 0
            ? String(decoding: alpn.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
        let length = pkilab_tls_conn_peer_certificate(connection, nil, 0)
        if length > 0 {
            var der = [UInt8](repeating: 0, count: length)
            _ = pkilab_tls_conn_peer_certificate(connection, &der, length)
            peerCertificateDER = der
        }
    }

    /// "TLSv1.3" → "1.3", "TLSv1" → "1.0".
    private static func version(_ name: String) -> String {
        switch name {
        case "TLSv1": "1.0"
        case let other where other.hasPrefix("TLSv"): String(other.dropFirst(4))
        default: name
        }
    }
}

@available(*, unavailable)
extension OpenSSLServerHandler: Sendable {}
