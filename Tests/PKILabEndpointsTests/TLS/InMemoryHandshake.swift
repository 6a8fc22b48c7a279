import Crypto
import Foundation
import NIOCore
import NIOEmbedded
import NIOSSL
import PKILab
import SwiftASN1
import X509
@testable import PKILabEndpoints

/// A lab in a temporary folder (root, issuing and a name-constrained intermediate, a server, two devices, the zoo)
/// and TLS handshakes between an in-memory BoringSSL client and a lab endpoint's real pipeline: two testing
/// channels on one testing event loop, their bytes carried across by hand. No sockets, no sleeping on a clock.
final class InMemoryLab: Sendable {
    let folder: String
    let store: LabStore
    let lab: Lab
    let events = EventBox()
    let log: EventLog

    static let text = """
        authorities:
          root: { subject: { CN: Memory Root } }
          issuing: { parent: root, subject: { CN: Memory Issuing }, path_len: 0 }
          constrained: { parent: root, subject: { CN: Memory Constrained }, path_len: 0, name_constraints: { permitted: [lab.test] } }
        certificates:
          server: { issuer: issuing, role: server, names: [localhost] }
          device-001: { issuer: issuing, role: client }
          device-002: { issuer: issuing, role: client }
        """

    init() throws {
        folder = NSTemporaryDirectory() + "pkilab-memory-\(UUID().uuidString.prefix(8))"
        lab = try LabFileReader(autoNames: { [] }).parse(Self.text)
        store = LabStore(path: folder + "/ca")
        _ = try store.apply(lab)
        _ = try store.prepareZoo(for: lab)
        let events = self.events
        log = try events.makeLog()
    }

    deinit {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// The echo endpoint's context, with `change` applied to its spec.
    func endpoint(_ change: (inout EndpointSpec) -> Void = { _ in }, timeout: TimeAmount = .seconds(10)) throws -> EndpointContext {
        var spec = lab.endpoints.first { $0.kind == .echo }!
        change(&spec)
        let verifier = store.verifier(for: lab)
        let openSSL = try ServerTLS.openSSLContext(for: spec, store: store, trust: verifier.roots, alpn: [], verifier: verifier, clock: .zero)
        return try EndpointContext(spec: spec, sslContext: try ServerTLS.context(for: spec, store: store, trust: verifier.roots, alpn: []),
                                   verifier: verifier, events: log, handshakeTimeout: timeout, rootBundle: store.directory.rootBundle,
                                   exampleClient: nil, openSSL: openSSL)
    }

    func file(_ path: String) -> String { store.directory.path + "/" + path }

    /// A client identity: certificates to send (leaf first) and the key that signs the handshake.
    struct Identity {
        var chain: [NIOSSLCertificate]
        var key: NIOSSLPrivateKey
    }

    /// The identity in a folder of the store (`certs/device-001`, `zoo/clients/expired`): `file` is what it sends.
    func identity(_ folder: String, file: String = "fullchain.pem") throws -> Identity {
        Identity(chain: try NIOSSLCertificate.fromPEMFile(self.file("\(folder)/\(file)")),
                 key: try NIOSSLPrivateKey(file: self.file("\(folder)/key.pem"), format: .pem))
    }

    /// A leaf for `names` made here: issued by `issuer` (a folder of the store) but signed with `signer` when
    /// given (a broken chain), with `extensions` added.
    func forged(issuer: String, signer: P256.Signing.PrivateKey? = nil, names: [String] = ["forged.lab.test"],
                critical: Bool = false) throws -> Identity {
        let issuerCertificate = try Certificate(pemEncoded: String(contentsOfFile: file("\(issuer)/cert.pem"), encoding: .utf8))
        let issuerKey = try Certificate.PrivateKey(pemEncoded: String(contentsOfFile: file("\(issuer)/key.pem"), encoding: .utf8))
        let key = P256.Signing.PrivateKey()
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([.clientAuth])
            SubjectAlternativeNames(names.map { GeneralName.dnsName($0) })
            AuthorityKeyIdentifier(keyIdentifier: issuerCertificate.keyIdentifier)
            if critical {
                Certificate.Extension(oid: [1, 3, 6, 1, 4, 1, 55555, 1, 1], critical: true, value: [0x0C, 0x02, 0x68, 0x69])
            }
        }
        let leaf = try Certificate(version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey), notValidBefore: Date() - 3600,
                                   notValidAfter: Date() + 86_400, issuer: issuerCertificate.subject,
                                   subject: try DistinguishedName { CommonName(names[0]) }, signatureAlgorithm: .ecdsaWithSHA256,
                                   extensions: extensions, issuerPrivateKey: signer.map { .init($0) } ?? issuerKey)
        var serializer = DER.Serializer()
        try serializer.serialize(leaf)
        return Identity(chain: [try NIOSSLCertificate(bytes: serializer.serializedBytes, format: .der),
                                try NIOSSLCertificate(bytes: try issuerCertificate.derBytes, format: .der)],
                        key: try NIOSSLPrivateKey(bytes: Array(key.derRepresentation), format: .der))
    }

    /// Runs a TLS handshake of a client presenting `identity` (nil: none) against `endpoint`, up to TLS `maximum`,
    /// and returns the one event the endpoint told.
    func handshake(_ identity: Identity?, endpoint: EndpointContext, maximum: TLSVersion = .tlsv13) async throws -> ConnectionEvent? {
        let before = events.all.count
        let loop = NIOAsyncTestingEventLoop()
        let server = NIOAsyncTestingChannel(loop: loop)
        let client = NIOAsyncTestingChannel(loop: loop)
        _ = try await loop.submit { try LabTLSPipeline.configure(server, endpoint: endpoint) }.get()
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .file(file("root.pem"))
        configuration.maximumTLSVersion = maximum
        if let identity {
            configuration.certificateChain = identity.chain.map { .certificate($0) }
            configuration.privateKey = .privateKey(identity.key)
        }
        let context = try NIOSSLContext(configuration: configuration)
        try await Self.addClientHandler(context, to: client)
        try await server.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40_000)).get()
        try await client.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 7443)).get()
        try await Self.shuttle(client, server, loop: loop) { self.log.flush(); return self.events.all.count > before }
        await Self.close(client, server, loop: loop)
        log.flush()
        return events.all.count > before ? events.all[before] : nil
    }

    /// Puts a BoringSSL client (the handler made on the loop: it is not Sendable) on `channel`.
    static func addClientHandler(_ context: NIOSSLContext, to channel: NIOAsyncTestingChannel) async throws {
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: "localhost"))
        }.get()
    }

    /// Closes both sides and lets the loop's clock run past every timer (the TLS handlers wait for close_notify,
    /// a refused connection drains for a second), so nothing is left scheduled.
    static func close(_ client: NIOAsyncTestingChannel, _ server: NIOAsyncTestingChannel, loop: NIOAsyncTestingEventLoop) async {
        client.close(promise: nil)
        server.close(promise: nil)
        for _ in 0..<3 {
            while let bytes = try? await client.readOutbound(as: ByteBuffer.self) { _ = try? await server.writeInbound(bytes) }
            while let bytes = try? await server.readOutbound(as: ByteBuffer.self) { _ = try? await client.writeInbound(bytes) }
            await loop.advanceTime(by: .seconds(30))
        }
    }

    /// Carries bytes both ways until nothing moves and `done` says so (the certificate check runs off the loop, so
    /// a quiet moment may only mean it has not answered yet).
    static func shuttle(_ client: NIOAsyncTestingChannel, _ server: NIOAsyncTestingChannel, loop: NIOAsyncTestingEventLoop,
                        done: @Sendable () -> Bool) async throws {
        var quiet = 0
        for _ in 0..<2_000 {
            var moved = false
            while let bytes = try await client.readOutbound(as: ByteBuffer.self) {
                moved = true
                _ = try? await server.writeInbound(bytes)
            }
            while let bytes = try await server.readOutbound(as: ByteBuffer.self) {
                moved = true
                _ = try? await client.writeInbound(bytes)
            }
            await loop.run()
                quiet = moved ? 0 : quiet + 1
            if quiet > 20 && done() { return }
            if !moved { try await Task.sleep(for: .milliseconds(1)) }
        }
    }
}

/// A client key that signs the handshake with another key than its certificate's: what a device holding a
/// certificate without its own key does. BoringSSL cannot know, so it lets the client try.
struct ForeignSigningKey: NIOSSLCustomPrivateKey, Hashable {
    let key = P256.Signing.PrivateKey()
    var signatureAlgorithms: [SignatureAlgorithm] { [.ecdsaSecp256R1Sha256] }

    func sign(channel: any Channel, algorithm: SignatureAlgorithm, data: ByteBuffer) -> EventLoopFuture<ByteBuffer> {
        do {
            let signature = try key.signature(for: Data(data.readableBytesView))
            return channel.eventLoop.makeSucceededFuture(ByteBuffer(bytes: signature.derRepresentation))
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
    }

    func decrypt(channel: any Channel, data: ByteBuffer) -> EventLoopFuture<ByteBuffer> {
        channel.eventLoop.makeFailedFuture(NIOSSLError.failedToLoadPrivateKey)
    }

    static func == (lhs: Self, rhs: Self) -> Bool { lhs.key.rawRepresentation == rhs.key.rawRepresentation }
    func hash(into hasher: inout Hasher) { hasher.combine(key.rawRepresentation) }
}
