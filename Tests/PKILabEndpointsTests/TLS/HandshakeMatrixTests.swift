import Crypto
import Foundation
import NIOCore
import NIOEmbedded
import NIOSSL
import PKILab
import Testing
@testable import PKILabEndpoints

/// Every client-certificate reason, from a real BoringSSL client against the echo endpoint's real pipeline, in
/// memory, over TLS 1.2 and 1.3, on both TLS engines: the event's code, its words and its client block.
@Suite("Client certificates refused in memory, one reason each, on both engines")
struct HandshakeMatrixTests {
    static let versions: [TLSVersion] = [.tlsv12, .tlsv13]
    static let engines: [EndpointSpec.TLSEngine] = [.boringssl, .openssl]

    @Test("a good device is let in, with and without its intermediate", arguments: versions, engines)
    func accepted(version: TLSVersion, engine: EndpointSpec.TLSEngine) async throws {
        let lab = try InMemoryLab()
        let endpoint = try lab.endpoint { $0.tlsEngine = engine }
        let full = try await lab.handshake(try lab.identity("certs/device-001"), endpoint: endpoint, maximum: version)
        #expect(full?.reason == "ok" && full?.client?.commonName == "device-001", "\(String(describing: full))")
        #expect(full?.tlsVersion == TLSEventHandler.name(version) && full?.cipher?.hasPrefix("TLS_") == true)
        let leafOnly = try await lab.handshake(try lab.identity("certs/device-001", file: "cert.pem"), endpoint: endpoint, maximum: version)
        #expect(leafOnly?.reason == "ok" && leafOnly?.notes.contains { $0.contains("completed the chain with \"Memory Issuing\"") } == true,
                "\(String(describing: leafOnly))")
    }

    /// One row per reason: the identity the client presents, the endpoint, and what the event must say.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var code: RejectionReason.Code
        var words: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "no certificate", code: .noClientCertificate, words: "the client sent no certificate"),
        Case(name: "zoo/expired", code: .expired, words: "expired on"),
        Case(name: "zoo/not-yet-valid", code: .notYetValid, words: "is not valid until"),
        Case(name: "zoo/foreign-ca", code: .unknownAuthority, words: "an authority this lab does not know"),
        Case(name: "zoo/self-signed", code: .unknownAuthority, words: "it is self-signed"),
        Case(name: "zoo/server-only-eku", code: .wrongPurpose, words: "without clientAuth"),
        Case(name: "zoo/revoked", code: .revoked, words: "revoked on"),
        Case(name: "zoo/weak-key", code: .weakKey, words: "1024-bit RSA key"),
        Case(name: "leaf only, client_chain: require", code: .missingIntermediate, words: "without its intermediate \"Memory Issuing\""),
        Case(name: "signed by another key", code: .brokenChain, words: "that authority's key did not sign it"),
        Case(name: "name outside the constraints", code: .nameConstraintViolation, words: "outside an authority's name constraints"),
        Case(name: "unknown critical extension", code: .unknownCriticalExtension, words: "1.3.6.1.4.1.55555.1.1"),
        Case(name: "another key signs the handshake", code: .keyMismatch, words: "do not belong together"),
    ]

    @Test("each refusal names its reason, in words, with the client's certificate", arguments: cases, engines)
    func refused(row: Case, engine: EndpointSpec.TLSEngine) async throws {
        for version in Self.versions { try await refused(row: row, version: version, engine: engine) }
    }

    func refused(row: Case, version: TLSVersion, engine: EndpointSpec.TLSEngine) async throws {
        let lab = try InMemoryLab()
        var endpoint = try lab.endpoint { $0.tlsEngine = engine }
        let identity: InMemoryLab.Identity?
        switch row.name {
        case "no certificate": identity = nil
        case let zoo where zoo.hasPrefix("zoo/"): identity = try lab.identity("zoo/clients/" + zoo.dropFirst(4))
        case "leaf only, client_chain: require":
            endpoint = try lab.endpoint { $0.clientChain = .require; $0.tlsEngine = engine }
            identity = try lab.identity("certs/device-001", file: "cert.pem")
        case "signed by another key": identity = try lab.forged(issuer: "authorities/issuing", signer: P256.Signing.PrivateKey())
        case "name outside the constraints": identity = try lab.forged(issuer: "authorities/constrained", names: ["outside.example"])
        case "unknown critical extension": identity = try lab.forged(issuer: "authorities/issuing", critical: true)
        default:
            let device = try lab.identity("certs/device-001")
            identity = .init(chain: device.chain, key: NIOSSLPrivateKey(customPrivateKey: ForeignSigningKey()))
        }
        let event = try await lab.handshake(identity, endpoint: endpoint, maximum: version)
        #expect(event?.outcome == .rejected && event?.reason == row.code.rawValue, "\(row.name) \(engine) \(version): \(String(describing: event))")
        #expect(event?.explanation.contains(row.words) == true, "\(row.name) \(engine) \(version): \(event?.explanation ?? "no event")")
        #expect(event?.hint?.isEmpty == false, "\(row.name) \(engine) \(version): every refusal says what to do")
        if identity != nil {
            #expect(event?.client?.fingerprintSHA256.count == 64 && event?.client?.serial.isEmpty == false,
                    "\(row.name) \(engine) \(version): the event names the certificate: \(String(describing: event?.client))")
        }
        #expect(event?.tlsVersion == TLSEventHandler.name(version), "\(row.name) \(engine) \(version): \(String(describing: event?.tlsVersion))")
    }

    @Test("a client that never finishes is refused when the loop's clock passes the handshake timeout, not before")
    func timeout() async throws {
        let lab = try InMemoryLab()
        let endpoint = try lab.endpoint(timeout: .seconds(10))
        let loop = NIOAsyncTestingEventLoop()
        let server = NIOAsyncTestingChannel(loop: loop)
        _ = try await loop.submit { try LabTLSPipeline.configure(server, endpoint: endpoint) }.get()
        try await server.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40_001)).get()
        await loop.advanceTime(by: .seconds(9))
        lab.log.flush()
        #expect(lab.events.all.isEmpty && server.isActive)
        await loop.advanceTime(by: .seconds(2))
        lab.log.flush()
        #expect(lab.events.all.map(\.reason) == ["handshake_timeout"])
        #expect(lab.events.all.first?.explanation == "the client did not finish the TLS handshake within 10 seconds")
        #expect(!server.isActive)
        await loop.advanceTime(by: .seconds(30))
    }

    @Test("a client that reads the server's hello and closes without a word is told as closed_unused, not a refusal")
    func closedUnused() async throws {
        let lab = try InMemoryLab()
        let endpoint = try lab.endpoint()
        let loop = NIOAsyncTestingEventLoop()
        let server = NIOAsyncTestingChannel(loop: loop)
        let client = NIOAsyncTestingChannel(loop: loop)
        _ = try await loop.submit { try LabTLSPipeline.configure(server, endpoint: endpoint) }.get()
        try await InMemoryLab.addClientHandler(try NIOSSLContext(configuration: .makeClientConfiguration()), to: client)
        try await server.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40_002)).get()
        try await client.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 7443)).get()
        while let hello = try await client.readOutbound(as: ByteBuffer.self) { try await server.writeInbound(hello) }
        #expect(try await server.readOutbound(as: ByteBuffer.self) != nil, "the server answered the hello")
        try await server.close()
        lab.log.flush()
        let event = lab.events.all.first
        #expect(event?.reason == "closed_unused" && event?.outcome == .closed, "\(String(describing: event))")
        #expect(event?.explanation.contains("not a refusal") == true)
        await InMemoryLab.close(client, server, loop: loop)
    }
}
