import MQTTBroker
import MQTTCodec
import NIOCore
import NIOTLS
import PKILab

/// The thin NIO side of one MQTT connection: decodes packets, hands them to the broker, writes what it returns,
/// and keeps the time (keep-alive, the CONNECT deadline). Sits after the TLS handlers (or alone on a plain
/// listener).
final class MQTTConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let listener: MQTTListener
    private let state: ConnectionState?
    private let peer: String
    private var context: ChannelHandlerContext?
    private var id: ConnectionID?
    private var decoder: MQTTDecoder
    private var buffer: ByteBuffer?
    private var failed = false
    private var connected = false
    private var keepAlive: TimeAmount?
    private var lastRead = NIODeadline.now()
    private var timer: Scheduled<Void>?
    private var droppedQoS0 = 0

    init(listener: MQTTListener, state: ConnectionState?, peer: String) {
        self.listener = listener
        self.state = state
        self.peer = peer
        decoder = MQTTDecoder(maximumPacketSize: listener.configuration.limits.maximumPacketSize)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if state == nil && context.channel.isActive { register(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if state == nil && id == nil { register(context: context) }
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        self.context = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event, id == nil {
            register(context: context)
        } else if event is ChannelShouldQuiesceEvent {
            context.close(promise: nil)
        } else if case ChannelEvent.inputClosed = event {
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// The transport is up: tell the broker who this is, and give the client its time to send CONNECT.
    private func register(context: ChannelHandlerContext) {
        let client = state?.read { $0.client }
        let outlet = BrokerHub.Outlet(eventLoop: context.eventLoop, handler: NIOLoopBound(self, eventLoop: context.eventLoop),
                                      listener: listener.name, peer: peer, tls: state?.acceptedEvent ?? plainEvent())
        id = listener.hub.open(listener: listener.configuration, identity: listener.identity(of: client), outlet: outlet)
        let timeout = listener.connectTimeout
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) { bound.value.connectDeadlinePassed(timeout) }
    }

    private func plainEvent() -> ConnectionEvent? {
        guard state == nil else { return nil }
        var event = ConnectionEvent(endpoint: listener.name, peer: peer, outcome: .accepted, reason: "ok", explanation: "")
        event.notes = ["plain MQTT: no TLS, no client certificate, so no identity for the policy"]
        return event
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let id, !failed else { return }
        var incoming = unwrapInboundIn(data)
        if buffer == nil { buffer = incoming } else { buffer!.writeBuffer(&incoming) }
        lastRead = .now()
        while !failed, var pending = buffer {
            let packet: MQTTPacket?
            do {
                packet = try decoder.decode(buffer: &pending)
            } catch {
                failed = true
                buffer = nil
                // The broker may answer a CONNECT it refused in MQTT 5 (a level-5 CONNECT with a bad protocol name).
                var answer = ProtocolVersion.v311
                let (own, _) = listener.hub.perform(id) { core in
                    defer { answer = core.protocolVersion(id) }
                    return core.malformed(error, from: id, now: .now())
                }
                carryOut(own, flush: true, version: answer)
                return
            }
            buffer = pending.readableBytes == 0 ? nil : pending
            guard let packet else { break }
            let (own, keepAlive) = listener.hub.perform(id) { $0.receive(packet, from: id, now: .now()) }
            if case .connect = packet {
                connected = true
                timer?.cancel()
                timer = nil
                self.keepAlive = keepAlive
                armKeepAlive()
            }
            carryOut(own, flush: false)
        }
        if let pending = buffer, pending.readerIndex > 4096 {
            var compacted = pending
            compacted.discardReadBytes()
            buffer = compacted
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { droppedQoS0 = 0 }
        context.fireChannelWritabilityChanged()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
        context.fireChannelReadComplete()
    }

    /// Writes and closes as the broker said (called on this connection's event loop), in the version the decoder
    /// learned from CONNECT, or `version` before there is one.
    func carryOut(_ actions: [BrokerAction], flush: Bool, version: ProtocolVersion? = nil) {
        guard let context else { return }
        let version = decoder.version ?? version ?? .v311
        var closing = false
        // Bytes written since the last flush. A TLS handler holds written bytes until a flush, and the channel only
        // becomes unwritable once they reach the socket: flushing every 256 KiB keeps the 4 MiB check below true
        // for a long batch too (all of a topic tree's retained messages after one SUBSCRIBE).
        var unflushed = 0
        for action in actions {
            switch action {
            case .send(_, let packet):
                // A subscriber that reads slower than messages arrive: past the write buffer's high-water mark
                // (4 MiB), QoS 0 messages for it are dropped instead of piling up in memory (QoS 1/2 wait in its
                // session's window and queue).
                if case .publish(let publish) = packet, publish.qos == .atMostOnce, !context.channel.isWritable {
                    droppedQoS0 += 1
                    if droppedQoS0 == 1, let id {
                        listener.hub.record(BrokerEvent(connection: id, kind: .refused, reason: .qos0Dropped,
                                                        explanation: "the client reads slower than messages arrive: more than 4 MiB wait in its socket buffer, so QoS 0 messages for it are dropped until it catches up",
                                                        hint: "subscribe at QoS 1 to have messages wait in the session instead, or read faster", topic: publish.topic))
                    }
                    continue
                }
                var out = context.channel.allocator.buffer(capacity: 64)
                packet.encode(into: &out, version: version)
                unflushed += out.readableBytes
                context.write(wrapOutboundOut(out), promise: nil)
                if unflushed >= 256 * 1024 {
                    context.flush()
                    unflushed = 0
                }
            case .close:
                closing = true
            case .event:
                break
            }
        }
        if flush || closing { context.flush() }
        if closing {
            failed = true
            context.close(promise: nil)
        }
    }

    private func armKeepAlive() {
        guard let keepAlive, let context else { return }
        let deadline = lastRead + keepAlive
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: deadline) { bound.value.keepAliveCheck() }
    }

    private func keepAliveCheck() {
        guard let id, let keepAlive, !failed else { return }
        if NIODeadline.now() - lastRead >= keepAlive {
            let (own, _) = listener.hub.perform(id) { $0.keepAliveExpired(id, now: .now()) }
            carryOut(own, flush: true)
        } else {
            armKeepAlive()
        }
    }

    private func connectDeadlinePassed(_ timeout: TimeAmount) {
        guard let id, !connected, !failed else { return }
        failed = true
        listener.hub.record(BrokerEvent(connection: id, kind: .refused, reason: .connectTimeout,
                                        explanation: "the client sent no CONNECT within \(timeout.nanoseconds / 1_000_000_000) s of connecting; the broker closed the connection",
                                        hint: "is it an MQTT client? A device that stalls here often waits on its own clock, DNS or memory", closedConnection: true))
        context?.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        if let id {
            if !connected && !failed {
                listener.hub.record(BrokerEvent(connection: id, kind: .closed, reason: .noConnect,
                                                explanation: "the client closed the connection before sending CONNECT",
                                                hint: "a client that only tests the TLS port does this; an MQTT client sends CONNECT first"))
            }
            _ = listener.hub.perform(id) { $0.connectionLost(id, detail: "the connection closed", now: .now()) }
            listener.hub.remove(id)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
