import NIOCore

/// The first two to five bytes of every packet: type, flags and the length of the rest.
///
/// Read on its own before the body, so a decoder can refuse an oversize packet from its header alone
/// and never buffer a body it is going to reject.
public struct FixedHeader: Sendable, Hashable {
    /// The control packet type.
    public var type: PacketType
    /// The low nibble of the first byte.
    public var flags: UInt8
    /// The number of bytes after the fixed header.
    public var remainingLength: Int

    public init(type: PacketType, flags: UInt8, remainingLength: Int) {
        self.type = type
        self.flags = flags
        self.remainingLength = remainingLength
    }

    /// The size of the fixed header itself.
    public var encodedLength: Int {
        1 + VariableByteInteger.size(of: self.remainingLength)
    }

    /// The size of the whole packet, header included — what MQTT 5.0's Maximum Packet Size limits.
    public var packetLength: Int {
        self.encodedLength + self.remainingLength
    }

    /// Reads the header at the reader index without consuming anything; nil when more bytes are needed.
    ///
    /// - Throws: ``MQTTCodecError/Code/unknownPacketType``, ``MQTTCodecError/Code/invalidFlags`` or
    ///   ``MQTTCodecError/Code/malformedVariableByteInteger``.
    public static func peek(in buffer: ByteBuffer, version: ProtocolVersion?) throws(MQTTCodecError) -> FixedHeader? {
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else {
            return nil
        }
        let rawType = first >> 4
        guard let type = PacketType(rawValue: rawType), type != .auth || version != .v311 else {
            throw MQTTCodecError(
                .unknownPacketType,
                "packet type \(rawType) is reserved\(version == .v311 ? " in MQTT 3.1.1" : "") (MQTT §2.1.2)"
            )
        }
        let flags = first & 0x0F
        try Self.validate(flags: flags, for: type)
        guard let (remainingLength, _) = try VariableByteInteger.peek(in: buffer, at: buffer.readerIndex + 1) else {
            return nil
        }
        return FixedHeader(type: type, flags: flags, remainingLength: remainingLength)
    }

    /// Checks the flags a packet type allows: fixed values for all but PUBLISH, whose QoS must not be 3
    /// and whose DUP must be 0 at QoS 0.
    static func validate(flags: UInt8, for type: PacketType) throws(MQTTCodecError) {
        if let required = type.requiredFlags {
            guard flags == required else {
                throw .invalidFlags(
                    "[MQTT-2.2.2-2] \(type) must have fixed-header flags "
                        + "\(Self.binary(required)), not \(Self.binary(flags))"
                )
            }
            return
        }
        let qos = (flags >> 1) & 0b11
        if qos == 3 {
            throw .invalidFlags("[MQTT-3.3.1-4] a PUBLISH has both QoS bits set (QoS 3)")
        }
        if qos == 0 && flags & 0b1000 != 0 {
            throw .invalidFlags("[MQTT-3.3.1-2] a QoS 0 PUBLISH has the DUP flag set")
        }
    }

    /// Writes the first byte and the remaining length.
    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(self.type.rawValue << 4 | self.flags)
        VariableByteInteger.write(self.remainingLength, to: &buffer)
    }

    private static func binary(_ flags: UInt8) -> String {
        let digits = String(flags, radix: 2)
        return "0b" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
