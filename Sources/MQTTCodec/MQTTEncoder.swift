import NIOCore

/// Turns ``MQTTPacket``s into bytes for the version the connection speaks.
///
/// A class because `MessageToByteEncoder.encode` cannot mutate, and the version changes once, after
/// CONNECT: a client's encoder learns it from the CONNECT it sends; a server sets ``version`` from
/// the CONNECT its ``MQTTDecoder`` decoded before writing CONNACK. Use it on one event loop only.
public final class MQTTEncoder: MessageToByteEncoder {
    public typealias OutboundIn = MQTTPacket

    /// The version packets are written in.
    public var version: ProtocolVersion

    public init(version: ProtocolVersion = .v311) {
        self.version = version
    }

    public func encode(data: MQTTPacket, out: inout ByteBuffer) {
        if case .connect(let connect) = data {
            self.version = connect.protocolVersion
        }
        data.encode(into: &out, version: self.version)
    }
}

@available(*, unavailable)
extension MQTTEncoder: Sendable {}
