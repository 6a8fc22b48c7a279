import Foundation
import NIOCore
import NIOPosix
import PKILab
import Synchronization

/// The lab's SNTP server: answers every client request from the socket it was sent to (so from the port that
/// was polled), with the machine's time moved by `offset`, and logs each answer as an event.
final class SNTPServer: Sendable {
    let spec: EndpointSpec
    let offset: ClockOffset
    private let events: EventLog
    private let channel = Mutex<(any Channel)?>(nil)

    init(spec: EndpointSpec, offset: ClockOffset, events: EventLog) {
        self.spec = spec
        self.offset = offset
        self.events = events
    }

    /// Binds; returns the bound port.
    func start(group: any EventLoopGroup) async throws -> Int {
        let handler = SNTPHandler(endpoint: spec.name, offset: offset, events: events)
        // No SO_REUSEADDR: on Linux it would let a second lab share the UDP port silently.
        let bound = try await DatagramBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
            }
            .bind(host: spec.bind, port: spec.port).get()
        channel.withLock { $0 = bound }
        return bound.localAddress?.port ?? spec.port
    }

    func shutdown() async {
        try? await channel.withLock({ $0 })?.close()
    }
}

/// Turns SNTP requests into replies; anything that is not a client request is dropped, as RFC 4330 asks.
final class SNTPHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let endpoint: String
    let offset: ClockOffset
    let events: EventLog

    init(endpoint: String, offset: ClockOffset, events: EventLog) {
        self.endpoint = endpoint
        self.offset = offset
        self.events = events
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let received = offset.now
        let envelope = unwrapInboundIn(data)
        guard let request = SNTPPacket.request(envelope.data.readableBytesView) else { return }
        let sent = offset.now
        let reply = SNTPPacket.reply(to: request, received: received, sent: sent)
        context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: ByteBuffer(bytes: reply))), promise: nil)
        let peer = envelope.remoteAddress.ipAddress.map { envelope.remoteAddress.protocol == .inet6 ? "[\($0)]:\(envelope.remoteAddress.port ?? 0)" : "\($0):\(envelope.remoteAddress.port ?? 0)" } ?? "unknown"
        let shifted = offset.isZero ? "" : " (the lab's time moved by \(offset): --time-offset)"
        var event = ConnectionEvent(endpoint: endpoint, peer: peer, outcome: .accepted, reason: "ok",
                                    explanation: "told an SNTP v\(request.version) client it is \(LabDate.humanWithTime(sent))\(shifted)")
        event.notes = offset.isZero ? [] : ["certificates the device checks against this time: anything ending before \(LabDate.humanWithTime(sent)) looks expired to it"]
        events.record(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A datagram socket keeps serving after an ICMP error about one client.
    }
}
