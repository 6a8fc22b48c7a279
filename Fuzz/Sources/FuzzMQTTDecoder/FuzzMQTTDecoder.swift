import MQTTCodec
import NIOCore

/// libFuzzer's entry point: every input is fed to the decoder as a server would receive it (version unknown,
/// so a CONNECT first), then as MQTT 3.1.1 and as MQTT 5.0 traffic. Decoding may throw; it must never crash,
/// hang or read out of bounds, and whatever decodes must encode again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: start, count: count)
    for version in [ProtocolVersion.v311, .v5] {
        var buffer = ByteBuffer(bytes: bytes)
        var packets = 0
        while packets < 64, let packet = try? MQTTPacket.decode(from: &buffer, version: version, maximumPacketSize: 1 << 20) {
            // A CONNECT is decoded in the version it names; everything else in the connection's.
            var encodeVersion = version
            if case .connect(let connect) = packet { encodeVersion = connect.protocolVersion }
            var encoded = ByteBuffer()
            packet.encode(into: &encoded, version: encodeVersion)
            var again = encoded
            guard (try? MQTTPacket.decode(from: &again, version: encodeVersion, maximumPacketSize: 1 << 21)) == packet else {
                fatalError("\(packet) did not survive encode → decode")
            }
            packets += 1
        }
    }
    return 0
}
