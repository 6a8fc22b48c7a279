import Foundation
import NIOCore
import NIOEmbedded
import PKILab
import Testing
@testable import PKILabEndpoints

@Suite("The SNTP handler on EmbeddedChannel")
struct SNTPHandlerTests {
    static func request(version: UInt8, mode: UInt8 = 3, length: Int = 48) -> ByteBuffer {
        var bytes = [UInt8](repeating: 0, count: length)
        bytes[0] = (version << 3) | mode
        if length >= 48 { bytes[40..<48] = [0xE9, 0x00, 0x00, 0x01, 0xAB, 0xCD, 0xEF, 0x01] }
        return ByteBuffer(bytes: bytes)
    }

    @Test("a client request is answered to its sender, shifted by the offset, and logged; other datagrams are dropped")
    func answers() throws {
        let events = EventBox()
        let handler = SNTPHandler(endpoint: "sntp", offset: ClockOffset(parsing: "+400d")!,
                                  events: try events.makeLog())
        let channel = EmbeddedChannel(handler: handler)
        let client = try SocketAddress(ipAddress: "192.0.2.7", port: 50123)
        try channel.writeInbound(AddressedEnvelope(remoteAddress: client, data: Self.request(version: 3)))
        let reply = try #require(try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self))
        #expect(reply.remoteAddress == client)
        let bytes = Array(reply.data.readableBytesView)
        #expect(bytes.count == 48 && bytes[0] == (3 << 3) | 4 && bytes[1] == 1)
        #expect(Array(bytes[24..<32]) == [0xE9, 0x00, 0x00, 0x01, 0xAB, 0xCD, 0xEF, 0x01])
        let told = SNTPPacket.date(bytes[40..<48])
        #expect(abs(told.timeIntervalSinceNow - 400 * 86_400) < 5)
        #expect(events.all.first?.peer == "192.0.2.7:50123" && events.all.first?.explanation.contains("SNTP v3") == true)

        for ignored in [Self.request(version: 4, mode: 4), Self.request(version: 4, length: 47), Self.request(version: 0)] {
            try channel.writeInbound(AddressedEnvelope(remoteAddress: client, data: ignored))
            #expect(try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self) == nil)
        }
        #expect(events.all.count == 1)
        _ = try channel.finish()
    }
}
