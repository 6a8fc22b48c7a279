import NIOCore
import NIOEmbedded
import NIOSSL
import Testing
@testable import PKILabEndpoints

@Suite("Reading a ClientHello before the TLS handler does")
struct ClientHelloTests {
    /// The first flight of a real TLS client (BoringSSL, through swift-nio-ssl), as bytes.
    static func clientHello(serverName: String?, alpn: [String], maximum: TLSVersion = .tlsv13) throws -> [UInt8] {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.applicationProtocols = alpn
        configuration.minimumTLSVersion = .tlsv12
        configuration.maximumTLSVersion = maximum
        configuration.certificateVerification = .none
        let context = try NIOSSLContext(configuration: configuration)
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: serverName))
        _ = try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
        var bytes: [UInt8] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { bytes += buffer.readableBytesView }
        _ = try? channel.finish()
        return bytes
    }

    @Test("SNI, ALPN and offered versions, from a real client")
    func parses() throws {
        let bytes = try Self.clientHello(serverName: "device.lab.test", alpn: ["h2", "http/1.1"])
        guard case .success(let hello)? = ClientHello.parse(bytes) else {
            Issue.record("not parsed")
            return
        }
        #expect(hello.serverName == "device.lab.test")
        #expect(hello.alpn == ["h2", "http/1.1"])
        #expect(hello.versions == ["1.3", "1.2"])
        #expect(hello.cipherSuiteCount > 3)
    }

    @Test("a TLS 1.2-only client offers 1.2; no SNI is no SNI")
    func tls12() throws {
        let bytes = try Self.clientHello(serverName: nil, alpn: [], maximum: .tlsv12)
        guard case .success(let hello)? = ClientHello.parse(bytes) else {
            Issue.record("not parsed")
            return
        }
        #expect(hello.serverName == nil && hello.alpn.isEmpty)
        #expect(hello.versions.first == "1.2")
    }

    @Test("partial input asks for more; other protocols are recognised as not TLS")
    func partialAndForeign() throws {
        let bytes = try Self.clientHello(serverName: "a.lab.test", alpn: [])
        for cut in [0, 3, 5, 40, bytes.count - 1] {
            #expect(ClientHello.parse(Array(bytes.prefix(cut))) == nil, "cut at \(cut)")
        }
        guard case .failure(.notTLS)? = ClientHello.parse(Array("GET / HTTP/1.1\r\n".utf8)) else {
            Issue.record("HTTP not recognised")
            return
        }
        guard case .failure(.malformed)? = ClientHello.parse([0x16, 0x03, 0x01, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00]) else {
            Issue.record("a ServerHello is not a ClientHello")
            return
        }
    }

    @Test("alert and cipher names")
    func names() {
        #expect(TLSAlert.name(48) == "unknown_ca" && TLSAlert.name(116) == "certificate_required")
        #expect(CipherSuiteNames.name(0x1301) == "TLS_AES_128_GCM_SHA256")
        #expect(CipherSuiteNames.name(0xC02B) == "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")
    }
}
