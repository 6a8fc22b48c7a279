import Foundation
import Testing

@testable import PKILab

/// The `ota:` section as pkilab reads it: the store's certificate and listeners, targets, faults in URLs, the images folder.
@Suite("OTA: lab.yaml, targets, images and the URLs handed out")
struct OTALabTests {
    static let lab = """
        lab: ota-test
        authorities:
          root: { subject: { CN: Test Root } }
          issuing: { parent: root, subject: { CN: Test Issuing }, path_len: 0 }
          store-root: { subject: { CN: Test Store Root } }
          store-issuing: { parent: store-root, subject: { CN: Test Store Issuing }, path_len: 0 }
        certificates:
          server: { issuer: issuing, role: server }
          device-001: { issuer: issuing, role: client }
          device-002: {}
        ota:
          images: firmware
          url_lifetime: 120s
          object_store: { port: 9443, names: [s3.lab.test, "*.s3.lab.test"], authority: store-issuing }
          targets:
            - allow: ["app-*"]
            - deny: ["app-v2.*"]
              identities: [device-002]
        """

    @Test("the store gets its certificate under its own authority, two listeners, and no say over client certificates")
    func store() throws {
        let lab = try TestLab.parse(Self.lab)
        let ota = try #require(lab.ota)
        #expect(ota.urlLifetime == 120)
        let leaf = try #require(lab.certificates.first { $0.name == ObjectStoreSpec.certificateName })
        #expect(leaf.issuer == "store-issuing")
        #expect(leaf.role == .server)
        #expect(leaf.names.map(\.description).prefix(4) == ["DNS:s3.lab.test", "DNS:*.s3.lab.test", "DNS:localhost", "IP:127.0.0.1"])
        #expect(leaf.names.map(\.description).contains("DNS:testhost"), "this machine's names (auto), for URLs on the LAN")
        #expect(lab.certificates.first { $0.name == "device-002" }?.issuer == "issuing",
                "a certificate without issuer: is not signed by the store's authority, though it is a bottom authority too")
        let store = try #require(lab.endpoints.first { $0.name == "store" })
        let untrusted = try #require(lab.endpoints.first { $0.name == "store-untrusted" })
        #expect(store.kind == .store && store.port == 9443 && store.clientAuth == .none && store.certificate == "object-store")
        #expect(untrusted.port == 9444 && untrusted.zoo == .untrustedRoot)
        for endpoint in lab.endpoints where endpoint.kind != .store && endpoint.kind.usesTLS {
            #expect(endpoint.trust == ["root"], "\(endpoint.name) must not take client certificates under store-root")
        }
        #expect(lab.bottomAuthorities.map(\.name) == ["issuing"])
    }

    @Test("targets: a deny wins, with rules what none allows is refused, without rules every identity may have every image")
    func targets() throws {
        let ota = try #require(try TestLab.parse(Self.lab).ota)
        #expect(ota.decide(image: "app-v1.2.0.bin", identity: "device-002") == OTATargetDecision(allowed: true, rule: "ota.targets[0]"))
        #expect(ota.decide(image: "app-v2.0.0.bin", identity: "device-002") == OTATargetDecision(allowed: false, rule: "ota.targets[1]"))
        #expect(ota.decide(image: "app-v2.0.0.bin", identity: "device-001").allowed)
        #expect(ota.decide(image: "sensor-v1.bin", identity: "device-001") == OTATargetDecision(allowed: false, rule: nil))
        #expect(OTATargetDecision(allowed: false, rule: nil).words == "no rule of ota.targets allows it")
        var open = ota
        open.targets = []
        #expect(open.decide(image: "sensor-v1.bin", identity: "anyone").allowed)
        #expect(OTATarget.glob("app-v?.*", matches: "app-v2.0.bin"))
        #expect(!OTATarget.glob("app-v?.*", matches: "app-v10.0.bin"))
        #expect(OTATarget.glob("*", matches: ""))
    }

    @Test("the images folder: versions from names or the app descriptor, digests, and nothing but plain files")
    func catalog() async throws {
        try await TestLab.withTemporaryFolder { folder in
            let fileManager = FileManager.default
            let write = { (name: String, bytes: [UInt8]) in _ = fileManager.createFile(atPath: "\(folder)/\(name)", contents: Data(bytes)) }
            write("app-v1.2.0.bin", ESPAppImage.make(version: "1.2.0", size: 4096, seed: 1))
            write("app-v1.10.0.bin", ESPAppImage.make(version: "1.10.0", size: 4096, seed: 2))
            write("firmware.bin", ESPAppImage.make(version: "3.0.1", projectName: "blinky", size: 1024, seed: 3))
            write("notes.txt", Array("hello".utf8))
            write("zeta-v0.1.bin", ESPAppImage.make(version: "0.1", size: 512, seed: 4))
            write(".hidden-v9.bin", [0xE9])
            write("key-v1.bin", Array("-----BEGIN EC PRIVATE KEY-----\nMHc=\n-----END EC PRIVATE KEY-----\n".utf8))
            try fileManager.createSymbolicLink(atPath: "\(folder)/app-v9.9.9.bin", withDestinationPath: "/etc/passwd")
            try fileManager.createDirectory(atPath: "\(folder)/app-v8.bin", withIntermediateDirectories: true)
            let catalog = FirmwareCatalog(folder: folder)
            let images = catalog.images()
            #expect(Set(images.map(\.name)) == ["app-v1.2.0.bin", "app-v1.10.0.bin", "firmware.bin", "notes.txt", "zeta-v0.1.bin"])
            let described = try #require(images.first { $0.name == "firmware.bin" })
            #expect(described.version?.description == "3.0.1" && described.versionSource == .appDescriptor)
            #expect(images.first { $0.name == "notes.txt" }?.version == nil)
            let ota = try #require(try TestLab.parse(Self.lab).ota)
            #expect(catalog.newest(for: "device-001", product: "app", spec: ota).image?.name == "app-v1.10.0.bin", "1.10 is newer than 1.2")
            var open = ota
            open.targets = []
            #expect(catalog.newest(for: "device-001", product: nil, spec: open).image?.name == "firmware.bin",
                    "without a product, the newest version of all (3.0.1), not the last product's (zeta 0.1)")
            let image = try #require(catalog.image(named: "app-v1.2.0.bin"))
            let bytes = try Data(contentsOf: URL(fileURLWithPath: "\(folder)/app-v1.2.0.bin"))
            #expect(image.sha256 == SHA256Hex.of(bytes))
            #expect(image.etag == "\"\(image.md5)\"" && image.md5.count == 32)
            #expect(catalog.image(named: "../app-v1.2.0.bin") == nil && catalog.image(named: "app-v9.9.9.bin") == nil)
        }
    }

    @Test("each fault that lives in the URL is what the store's verifier finds")
    func faultsInURLs() throws {
        let spec = try #require(try TestLab.parse(Self.lab).ota)
        let credentials = SigV4Credentials(accessKeyID: "PKILABTEST", secretAccessKey: "secret")
        let maker = OTAURLMaker(spec: spec, credentials: credentials, host: "localhost", port: 9443, untrustedPort: 9444)
        let verifier = SigV4Verifier(credentials: [credentials])
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        func verdict(_ fault: OTAFault?) -> (SigV4Verdict, String) {
            let url = maker.url(for: "app-v1.2.0.bin", now: now, fault: fault).url
            let rest = url.dropFirst("https://".count)
            let host = String(rest.prefix { $0 != "/" })
            let pathAndQuery = rest.dropFirst(host.count).split(separator: "?", maxSplits: 1).map(String.init)
            return (verifier.verify(method: "GET", host: host, path: pathAndQuery[0], query: pathAndQuery[1], headers: [], now: now), url)
        }
        #expect(verdict(nil).0.isValid)
        #expect(verdict(nil).1.hasPrefix("https://localhost:9443/firmware/app-v1.2.0.bin?X-Amz-Algorithm=AWS4-HMAC-SHA256&"))
        guard case .expired(_, _, let by) = verdict(.expired).0 else { Issue.record("expired: \(verdict(.expired).0)"); return }
        #expect((20...21).contains(by))
        guard case .notYetValid = verdict(.notYetValid).0 else { Issue.record("not-yet-valid: \(verdict(.notYetValid).0)"); return }
        guard case .signatureMismatch = verdict(.tampered).0 else { Issue.record("tampered: \(verdict(.tampered).0)"); return }
        #expect(verdict(.wrongCA).0.isValid && verdict(.wrongCA).1.hasPrefix("https://localhost:9444/"))
        #expect(verdict(.interrupt).0.isValid && verdict(.interrupt).1.contains("x-pkilab-fault=interrupt"), "the fault is signed into the URL")
        #expect(verdict(.longURL).0.isValid && verdict(.longURL).1.utf8.count > 1024, "longer than ESP-IDF's 512-byte request buffer, twice over")
        #expect(OTAURLMaker.hostHeader("::1", port: 9443) == "[::1]:9443" && OTAURLMaker.hostHeader("s3.lab.test", port: 443) == "s3.lab.test")
    }
}

/// Lower-case hex SHA-256, as `sha256sum` prints it.
enum SHA256Hex {
    static func of(_ data: Data) -> String {
        let pipe = Pipe(), input = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.standardInput = input
        process.standardOutput = pipe
        try? process.run()
        input.fileHandleForWriting.write(data)
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile().prefix(64), as: UTF8.self)
    }
}

@Suite("OTA: the words of a device that does not trust the object store")
struct OTAStoreWordsTests {
    @Test("a refusal at the store names the root the device lacks and how to get both; the zoo's untrusted store keeps the usual words")
    func storeTrust() {
        var context = RejectionContext(kind: .store, serverCertificate: "object-store", rootBundle: "ca/root.pem", trustedAuthorities: [],
                                       clock: .zero, minimumTLS: .tls12, maximumTLS: .tls13, exampleClient: nil, serverRoot: "store-root")
        let closed = RejectionReason.peerClosed.words(in: context)
        #expect(closed.explanation == "the device closed the object store's connection during the handshake: its CA bundle probably lacks \"store-root\", the root of the object store's certificate")
        #expect(closed.hint?.contains("--format esp-idf") == true && closed.hint?.contains("ca/authorities/store-root/cert.pem") == true)
        #expect(RejectionReason.clientRejectedServer(alert: "unknown_ca").words(in: context).explanation.hasPrefix("the device refused the object store's certificate"))
        #expect(RejectionReason.clientRejectedServer(alert: "certificate_expired").words(in: context).explanation.hasPrefix("the client refused this server"),
                "a clock problem is not a missing root")
        context.serverRoot = nil
        #expect(RejectionReason.peerClosed.words(in: context).explanation == "the client closed the connection during the handshake")
    }
}
