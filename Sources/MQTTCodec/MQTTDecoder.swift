import NIOCore

/// Turns received bytes into ``MQTTPacket``s, refusing oversize packets from their header alone.
///
/// A server-side decoder starts knowing no version: it accepts only CONNECT ([MQTT-3.1.0-1]) and
/// learns the version from it, then refuses a second CONNECT ([MQTT-3.1.0-2]). Give it a version to
/// decode a connection whose version is already known (a client, or a test).
public struct MQTTDecoder: ByteToMessageDecoder {
    public typealias InboundOut = MQTTPacket

    /// The version learned from CONNECT, or given at creation.
    public private(set) var version: ProtocolVersion?
    /// The largest whole packet accepted; what a v5 server announces as Maximum Packet Size.
    public var maximumPacketSize: Int
    private let expectsConnect: Bool
    private var sawConnect = false

    /// - Parameters:
    ///   - version: nil for a server that has not yet seen CONNECT.
    ///   - maximumPacketSize: The largest packet, fixed header included, to accept.
    public init(version: ProtocolVersion? = nil, maximumPacketSize: Int = MQTTPacket.largestPacketSize) {
        self.version = version
        self.maximumPacketSize = maximumPacketSize
        self.expectsConnect = version == nil
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let packet = try self.decode(buffer: &buffer) else {
            return .needMoreData
        }
        context.fireChannelRead(Self.wrapInboundOut(packet))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        try self.decode(context: context, buffer: &buffer)
    }

    /// Decodes one packet outside a channel (the decoder's whole logic; `decode(context:buffer:)` only
    /// forwards what this returns).
    public mutating func decode(buffer: inout ByteBuffer) throws(MQTTCodecError) -> MQTTPacket? {
        guard
            let packet = try MQTTPacket.decode(
                from: &buffer,
                knownVersion: self.version,
                maximumPacketSize: self.maximumPacketSize
            )
        else {
            return nil
        }
        if case .connect(let connect) = packet, self.expectsConnect {
            if self.sawConnect {
                throw .protocolViolation("[MQTT-3.1.0-2] the client sent a second CONNECT")
            }
            self.sawConnect = true
            self.version = connect.protocolVersion
        }
        return packet
    }
}
