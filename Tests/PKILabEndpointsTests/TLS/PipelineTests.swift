import Foundation
import NIOCore
import NIOEmbedded
import PKILab
import Synchronization
import Testing
@testable import PKILabEndpoints

@Suite("The handlers in front of the TLS handler")
struct PipelineTests {
    /// An endpoint context over a freshly issued lab in a temporary folder.
    static func endpoint(_ kind: EndpointSpec.Kind, events: EventBox, body: (EndpointContext) throws -> Void) throws {
        let folder = NSTemporaryDirectory() + "pkilab-pipeline-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let lab = try LabFileReader(autoNames: { [] }).parse("""
            authorities: { root: { subject: { CN: Pipeline Root } } }
            certificates: { server: { role: server, names: [localhost] } }
            """)
        let store = LabStore(path: folder + "/ca")
        _ = try store.apply(lab)
        let spec = lab.endpoints.first { $0.kind == kind }!
        let verifier = store.verifier(for: lab)
        let context = try EndpointContext(spec: spec, sslContext: try ServerTLS.context(for: spec, store: store, trust: verifier.roots, alpn: []),
                                          verifier: verifier, events: try events.makeLog(),
                                          handshakeTimeout: .seconds(5), rootBundle: store.directory.rootBundle, exampleClient: nil)
        try body(context)
    }

    @Test("plain HTTP on the HTTPS port: a plain-text 400 saying to use https://, one not_a_tls_client event, closed")
    func plainHTTP() throws {
        let events = EventBox()
        try Self.endpoint(.https, events: events) { endpoint in
            let channel = EmbeddedChannel()
            _ = try LabTLSPipeline.configure(channel, endpoint: endpoint)
            _ = try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 50_000)).wait()
            try channel.writeInbound(channel.allocator.buffer(string: "GET /whoami HTTP/1.1\r\nHost: localhost\r\n\r\n"))
            var response = ""
            while let buffer = try channel.readOutbound(as: ByteBuffer.self) { response += String(buffer: buffer) }
            #expect(response.hasPrefix("HTTP/1.1 400 Bad Request") && response.contains("use https://"), "\(response)")
            #expect(!channel.isActive)
            endpoint.events.flush()
            #expect(events.all.count == 1)
            #expect(events.all.first?.reason == "not_a_tls_client")
            #expect(events.all.first?.explanation.contains("GET /whoami HTTP/1.1") == true)
        }
    }

    @Test("garbage on the echo port is closed without a reply")
    func garbage() throws {
        let events = EventBox()
        try Self.endpoint(.echo, events: events) { endpoint in
            let channel = EmbeddedChannel()
            _ = try LabTLSPipeline.configure(channel, endpoint: endpoint)
            _ = try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 50_001)).wait()
            try channel.writeInbound(channel.allocator.buffer(bytes: [0x10, 0x0C, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54]))
            #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
            #expect(!channel.isActive)
            endpoint.events.flush()
            #expect(events.all.map(\.reason) == ["not_a_tls_client"])
        }
    }

    struct LibraryError: Error, CustomStringConvertible {
        var description: String
    }

    @Test("BoringSSL's error stack becomes a reason", arguments: [
        ("handshakeFailed(sslError([Error: 268435648 error:100000c0:SSL routines:OPENSSL_internal:PEER_DID_NOT_RETURN_A_CERTIFICATE]))", "no_client_certificate"),
        ("handshakeFailed(sslError([Error: 268436504 error:10000418:SSL routines:OPENSSL_internal:TLSV1_ALERT_UNKNOWN_CA]))", "client_rejected_server"),
        ("handshakeFailed(sslError([Error: 268435696 error:100000f0:SSL routines:OPENSSL_internal:UNSUPPORTED_PROTOCOL]))", "protocol_version"),
        ("handshakeFailed(sslError([Error: 268435640 error:100000b8:SSL routines:OPENSSL_internal:NO_SHARED_CIPHER]))", "no_shared_cipher"),
        ("handshakeFailed(sslError([Error:  EOF during handshake]))", "peer_closed"),
        ("handshakeFailed(sslError([Error: 268435640 error:100000b8:SSL routines:OPENSSL_internal:NO_SHARED_GROUP]))", "no_shared_cipher"),
        ("something else entirely", "handshake_failed"),
    ])
    func classify(text: String, reason: String) throws {
        let failure = TLSFailure.classify(LibraryError(description: text), hello: nil, clientAlert: nil, sawCertificate: false)
        #expect(failure.reason.code.rawValue == reason)
        #expect(!failure.reason.words().explanation.isEmpty)
    }
}
