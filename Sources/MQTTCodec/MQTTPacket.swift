import NIOCore

/// Any MQTT control packet, decoded or ready to encode.
///
/// An enum over the per-type structs so a broker switches once over everything that can arrive, and
/// the compiler tells it when a case is missing.
public enum MQTTPacket: Sendable, Hashable {
    case connect(Connect)
    case connAck(ConnAck)
    case publish(Publish)
    case pubAck(PubAck)
    case pubRec(PubRec)
    case pubRel(PubRel)
    case pubComp(PubComp)
    case subscribe(Subscribe)
    case subAck(SubAck)
    case unsubscribe(Unsubscribe)
    case unsubAck(UnsubAck)
    case pingReq(PingReq)
    case pingResp(PingResp)
    case disconnect(Disconnect)
    /// MQTT 5.0 only.
    case auth(Auth)

    /// The largest packet MQTT can express: a five-byte fixed header and the largest remaining length.
    public static let largestPacketSize = 5 + VariableByteInteger.maximum

    /// The packet's type.
    public var type: PacketType {
        switch self {
        case .connect: .connect
        case .connAck: .connAck
        case .publish: .publish
        case .pubAck: .pubAck
        case .pubRec: .pubRec
        case .pubRel: .pubRel
        case .pubComp: .pubComp
        case .subscribe: .subscribe
        case .subAck: .subAck
        case .unsubscribe: .unsubscribe
        case .unsubAck: .unsubAck
        case .pingReq: .pingReq
        case .pingResp: .pingResp
        case .disconnect: .disconnect
        case .auth: .auth
        }
    }

    /// Decodes one packet from the front of `buffer`, or returns nil (consuming nothing) when it is
    /// not all there yet.
    ///
    /// The size is checked from the fixed header alone, so an oversize packet is refused before its
    /// body is waited for. A CONNECT is decoded in the version it names, whatever `version` says.
    ///
    /// - Parameters:
    ///   - buffer: Received bytes; on success the reader index moves past the packet.
    ///   - version: The version the connection speaks.
    ///   - maximumPacketSize: The largest whole packet (fixed header included) to accept.
    /// - Throws: ``MQTTCodecError``; after an error the connection must be closed.
    public static func decode(
        from buffer: inout ByteBuffer,
        version: ProtocolVersion,
        maximumPacketSize: Int = MQTTPacket.largestPacketSize
    ) throws(MQTTCodecError) -> MQTTPacket? {
        try self.decode(from: &buffer, knownVersion: version, maximumPacketSize: maximumPacketSize)
    }

    /// Decodes with an optional version; nil means only a CONNECT can be understood.
    static func decode(
        from buffer: inout ByteBuffer,
        knownVersion: ProtocolVersion?,
        maximumPacketSize: Int
    ) throws(MQTTCodecError) -> MQTTPacket? {
        guard let header = try FixedHeader.peek(in: buffer, version: knownVersion) else {
            return nil
        }
        if header.packetLength > maximumPacketSize {
            throw MQTTCodecError(
                .packetTooLarge,
                "a \(header.type) of \(header.packetLength) bytes is larger than the maximum packet size of "
                    + "\(maximumPacketSize) bytes (MQTT 5.0 §3.1.2.11.4)"
            )
        }
        if knownVersion == nil && header.type != .connect {
            throw .protocolViolation("[MQTT-3.1.0-1] the first packet is a \(header.type), not a CONNECT")
        }
        guard var body = buffer.getSlice(at: buffer.readerIndex + header.encodedLength, length: header.remainingLength)
        else {
            return nil
        }
        let packet = try self.decodeBody(&body, header: header, version: knownVersion ?? .v311)
        buffer.moveReaderIndex(forwardBy: header.packetLength)
        return packet
    }

    private static func decodeBody(
        _ body: inout ByteBuffer,
        header: FixedHeader,
        version: ProtocolVersion
    ) throws(MQTTCodecError) -> MQTTPacket {
        switch header.type {
        case .connect: return .connect(try Connect.decode(body: &body))
        case .connAck: return .connAck(try ConnAck.decode(body: &body, version: version))
        case .publish: return .publish(try Publish.decode(body: &body, flags: header.flags, version: version))
        case .pubAck: return .pubAck(try PubAck.decode(body: &body, version: version))
        case .pubRec: return .pubRec(try PubRec.decode(body: &body, version: version))
        case .pubRel: return .pubRel(try PubRel.decode(body: &body, version: version))
        case .pubComp: return .pubComp(try PubComp.decode(body: &body, version: version))
        case .subscribe: return .subscribe(try Subscribe.decode(body: &body, version: version))
        case .subAck: return .subAck(try SubAck.decode(body: &body, version: version))
        case .unsubscribe: return .unsubscribe(try Unsubscribe.decode(body: &body, version: version))
        case .unsubAck: return .unsubAck(try UnsubAck.decode(body: &body, version: version))
        case .pingReq:
            try body.expectFullyRead(.pingReq)
            return .pingReq(PingReq())
        case .pingResp:
            try body.expectFullyRead(.pingResp)
            return .pingResp(PingResp())
        case .disconnect: return .disconnect(try Disconnect.decode(body: &body, version: version))
        case .auth: return .auth(try Auth.decode(body: &body))
        }
    }

    /// Appends the packet's bytes to `buffer`.
    ///
    /// A CONNECT is always written in its own ``Connect/protocolVersion``; v5-only fields (properties,
    /// reason codes other than success) are left out in 3.1.1, and AUTH must not be sent in 3.1.1.
    public func encode(into buffer: inout ByteBuffer, version: ProtocolVersion) {
        var body = ByteBuffer()
        var flags: UInt8 = self.type.requiredFlags ?? 0
        switch self {
        case .connect(let connect): connect.encodeBody(into: &body)
        case .connAck(let connAck): connAck.encodeBody(into: &body, version: version)
        case .publish(let publish):
            flags = publish.flags
            publish.encodeBody(into: &body, version: version)
        case .pubAck(let ack): ack.encodeBody(into: &body, version: version)
        case .pubRec(let ack): ack.encodeBody(into: &body, version: version)
        case .pubRel(let ack): ack.encodeBody(into: &body, version: version)
        case .pubComp(let ack): ack.encodeBody(into: &body, version: version)
        case .subscribe(let subscribe): subscribe.encodeBody(into: &body, version: version)
        case .subAck(let subAck): subAck.encodeBody(into: &body, version: version)
        case .unsubscribe(let unsubscribe): unsubscribe.encodeBody(into: &body, version: version)
        case .unsubAck(let unsubAck): unsubAck.encodeBody(into: &body, version: version)
        case .pingReq, .pingResp: break
        case .disconnect(let disconnect): disconnect.encodeBody(into: &body, version: version)
        case .auth(let auth):
            precondition(version == .v5, "AUTH does not exist in MQTT 3.1.1")
            auth.encodeBody(into: &body)
        }
        FixedHeader(type: self.type, flags: flags, remainingLength: body.readableBytes).write(to: &buffer)
        buffer.writeBuffer(&body)
    }
}
