import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import PKILab
import Synchronization
import Testing
@testable import PKILabEndpoints

/// The requests the routes reported (RequestLogMiddleware), in order.
final class RequestBox: Sendable {
    private let records = Mutex<[RequestRecord]>([])
    func append(_ record: RequestRecord) { records.withLock { $0.append(record) } }
    var all: [RequestRecord] { records.withLock { $0 } }
}

/// A freshly issued lab in a temporary folder, with the HTTPS routes built as `pkilab up` builds them, and a files
/// folder (`firmware/`) beside the store.
struct RoutesLab {
    let folder: String
    let store: LabStore
    let files: String
    let router: Router<LabRequestContext>
    private let eventsBox: EventBox
    private let requestsBox: RequestBox

    var rootPEM: String { (try? String(contentsOfFile: store.directory.rootBundle, encoding: .utf8)) ?? "" }

    func path(_ relative: String) -> String { "\(folder)/\(relative)" }

    /// Runs `body` with a lab whose HTTPS endpoint serves `firmware/` (or no files folder at all).
    static func with(filesFolder: Bool = true, _ body: (RoutesLab) async throws -> Void) async throws {
        let folder = NSTemporaryDirectory() + "pkilab-routes-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let lab = try LabFileReader(autoNames: { [] }).parse("""
            lab: routes-test
            authorities:
              root: { subject: { CN: Routes Root } }
              issuing: { parent: root, subject: { CN: Routes Issuing }, path_len: 0 }
            certificates:
              server: { role: server, names: [localhost] }
              device-001: { role: client }
              rsa-device: { role: client, key: rsa-2048 }
            """)
        let store = LabStore(path: folder + "/ca")
        _ = try store.apply(lab)
        let files = folder + "/firmware"
        try FileManager.default.createDirectory(atPath: files, withIntermediateDirectories: true)
        let spec = try #require(lab.endpoints.first { $0.kind == .https })
        let verifier = store.verifier(for: lab)
        let events = EventBox(), requests = RequestBox()
        let endpoint = try EndpointContext(spec: spec, sslContext: try ServerTLS.context(for: spec, store: store, trust: verifier.roots, alpn: []),
                                           verifier: verifier, events: try EventLog(paths: [], listener: { event, _ in events.append(event) }),
                                           handshakeTimeout: .seconds(5), rootBundle: store.directory.rootBundle, exampleClient: nil)
        let router = HTTPSRoutes.router(lab: lab, store: store, endpoint: endpoint, filesFolder: filesFolder ? files : nil,
                                        requestLog: { requests.append($0) })
        try await body(RoutesLab(folder: folder, store: store, files: files, eventsBox: events, requests: requests, router: router))
    }

    init(folder: String, store: LabStore, files: String, eventsBox: EventBox, requests: RequestBox, router: Router<LabRequestContext>) {
        self.folder = folder
        self.store = store
        self.files = files
        self.router = router
        self.requestsBox = requests
        self.eventsBox = eventsBox
    }

    /// The events the endpoint recorded, and the requests the routes reported.
    var recordedEvents: [ConnectionEvent] { eventsBox.all }
    var recordedRequests: [RequestRecord] { requestsBox.all }

    /// Sends the requests of `body` straight to the router (Hummingbird's router test client: no socket, no TLS).
    func test(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await Application(router: router).test(.router, body)
    }

    /// Writes `bytes` to `firmware/name`.
    func file(_ name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: "\(files)/\(name)"))
    }
}

/// The DER bytes of the first PEM block in `pem`.
func derOfPEM(_ pem: String) -> [UInt8]? {
    let base64 = pem.split(separator: "\n").drop { !$0.hasPrefix("-----BEGIN") }.dropFirst().prefix { !$0.hasPrefix("-----END") }.joined()
    return Data(base64Encoded: base64).map(Array.init)
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var bytes: [UInt8] { Array(body.readableBytesView) }
}

@Suite("The HTTPS routes through Hummingbird's router test client: /ca.pem, /files/ confined, the NUL guard, echo, 404")
struct HTTPSRoutesTests {
    @Test("/ca.pem is the lab's root bundle, byte for byte, as a PEM download; it holds no key")
    func caPEM() async throws {
        try await RoutesLab.with { lab in
            let root = lab.rootPEM
            #expect(root.hasPrefix("-----BEGIN CERTIFICATE-----"))
            try await lab.test { client in
                let response = try await client.execute(uri: "/ca.pem", method: .get)
                #expect(response.status == .ok)
                #expect(response.text == root)
                #expect(!response.text.contains("PRIVATE KEY"))
                #expect(response.headers[.contentType] == "application/x-pem-file")
                #expect(response.headers[.contentDisposition] == "attachment; filename=\"ca.pem\"")
            }
            #expect(lab.recordedRequests.map(\.path) == ["/ca.pem"] && lab.recordedRequests.first?.status == 200)
        }
    }

    @Test("/files/: a whole file (200), a Range (206 with Content-Range and those bytes), HEAD, an ETag giving 304, a link inside the folder")
    func files() async throws {
        try await RoutesLab.with { lab in
            let image = (0..<100_000).map { UInt8($0 % 251) }
            try lab.file("firmware.bin", image)
            try FileManager.default.createSymbolicLink(atPath: lab.files + "/latest.bin", withDestinationPath: "firmware.bin")
            try await lab.test { client in
                let whole = try await client.execute(uri: "/files/firmware.bin", method: .get)
                #expect(whole.status == .ok)
                #expect(whole.bytes == image)
                #expect(whole.headers[.acceptRanges] == "bytes")

                let range = try await client.execute(uri: "/files/firmware.bin", method: .get, headers: [.range: "bytes=1000-1099"])
                #expect(range.status == .partialContent)
                #expect(range.headers[.contentRange] == "bytes 1000-1099/100000")
                #expect(range.bytes == Array(image[1000...1099]))

                let head = try await client.execute(uri: "/files/firmware.bin", method: .head)
                #expect(head.status == .ok && head.headers[.contentLength] == "100000" && head.bytes.isEmpty)
                let etag = try #require(head.headers[.eTag])
                let cached = try await client.execute(uri: "/files/firmware.bin", method: .get, headers: [.ifNoneMatch: etag])
                #expect(cached.status == .notModified && cached.bytes.isEmpty)

                let linked = try await client.execute(uri: "/files/latest.bin", method: .get, headers: [.range: "bytes=0-9"])
                #expect(linked.status == .partialContent && linked.bytes == Array(image[0...9]))
            }
            #expect(lab.recordedRequests.map(\.status) == [200, 206, 200, 304, 206])
            #expect(lab.recordedEvents.isEmpty, "nothing was refused")
        }
    }

    @Test("/files/: a link out of the folder (to a key, to the store, to /etc/passwd) is 403 with a file_outside_folder event; certificates are served")
    func linksOut() async throws {
        try await RoutesLab.with { lab in
            try FileManager.default.createSymbolicLink(atPath: lab.files + "/rootkey.pem", withDestinationPath: "../ca/authorities/root/key.pem")
            try FileManager.default.createSymbolicLink(atPath: lab.files + "/store", withDestinationPath: "../ca")
            try FileManager.default.createSymbolicLink(atPath: lab.files + "/passwd", withDestinationPath: "/etc/passwd")
            try FileManager.default.copyItem(atPath: lab.path("ca/certs/device-001/cert.pem"), toPath: lab.files + "/device-cert.pem")
            try await lab.test { client in
                for uri in ["/files/rootkey.pem", "/files/store/root.pem", "/files/store/authorities/root/key.pem", "/files/passwd"] {
                    let response = try await client.execute(uri: uri, method: .get)
                    #expect(response.status == .forbidden, "\(uri)")
                    #expect(response.text.contains("leads outside the files folder") && !response.text.contains("PRIVATE KEY") && !response.text.contains("root:"),
                            "\(uri): \(response.text)")
                }
                let certificate = try await client.execute(uri: "/files/device-cert.pem", method: .get)
                #expect(certificate.status == .ok && certificate.text.hasPrefix("-----BEGIN CERTIFICATE-----"))
            }
            let refusals = lab.recordedEvents.filter { $0.reason == "file_outside_folder" }
            #expect(refusals.count == 4, "\(lab.recordedEvents.map(\.reason))")
            #expect(refusals.allSatisfy { $0.outcome == .rejected && $0.endpoint == "https" && $0.explanation.hasPrefix("403 for GET /files/") })
            #expect(refusals.first?.explanation.contains("/files/rootkey.pem leads to") == true, "\(String(describing: refusals.first))")
            #expect(refusals.first?.hint?.contains("copy the file into the folder") == true)
            #expect(lab.recordedRequests.map(\.status) == [403, 403, 403, 403, 200])
        }
    }

    @Test("/files/: a private key in any form (PEM, DER PKCS#8, SEC1, PKCS#1, a PEM block across the sniffer's 256 KiB read) is 403 with private_key_refused")
    func keys() async throws {
        try await RoutesLab.with { lab in
            let ecPEM = try String(contentsOfFile: lab.path("ca/certs/device-001/key.pem"), encoding: .utf8)
            let rsaPEM = try String(contentsOfFile: lab.path("ca/certs/rsa-device/key.pem"), encoding: .utf8)
            let ec = try PrivateKeyForms(pem: ecPEM, algorithm: .ecP256)
            let rsa = try PrivateKeyForms(pem: rsaPEM, algorithm: .rsa2048)
            try lab.file("device.pem", Array(ecPEM.utf8))
            try lab.file("key.pk8", ec.pkcs8DER)
            try lab.file("key.sec1", try #require(ec.traditionalDER))
            try lab.file("key.rsa", try #require(rsa.traditionalDER))
            try lab.file("rsa.pk8", rsa.pkcs8DER)
            // "PRIVATE KEY-----" straddles the end of the first 256 KiB read.
            let marker = Array("-----BEGIN EC PRIVATE KEY-----".utf8)
            try lab.file("straddle.bin", [UInt8](repeating: 0x41, count: 256 * 1024 - 20) + marker + Array("\nAAAA\n".utf8))
            // Not keys: a DER certificate, and the same filler without the marker.
            try lab.file("cert.der", try #require(derOfPEM(try String(contentsOfFile: lab.path("ca/certs/device-001/cert.pem"), encoding: .utf8))))
            try lab.file("filler.bin", [UInt8](repeating: 0x41, count: 300_000))
            let keys = ["device.pem", "key.pk8", "key.sec1", "key.rsa", "rsa.pk8", "straddle.bin"]
            try await lab.test { client in
                for name in keys {
                    let response = try await client.execute(uri: "/files/\(name)", method: .get)
                    #expect(response.status == .forbidden, "\(name)")
                    #expect(response.text == "403 Forbidden: /files/\(name) holds a private key; pkilab never serves one.\n", "\(name): \(response.text)")
                }
                for name in ["cert.der", "filler.bin"] {
                    let response = try await client.execute(uri: "/files/\(name)", method: .get)
                    #expect(response.status == .ok, "\(name) is no key")
                }
            }
            let refused = lab.recordedEvents.filter { $0.reason == "private_key_refused" }
            #expect(refused.count == keys.count, "\(lab.recordedEvents.map(\.reason))")
            let explanations = refused.map(\.explanation)
            #expect(explanations.contains("403 for GET /files/key.sec1: /files/key.sec1 holds a DER SEC1 EC private key: pkilab never serves a private key"), "\(explanations)")
            #expect(explanations.contains { $0.contains("/files/key.rsa holds a DER PKCS#1 RSA private key") })
            #expect(explanations.contains { $0.contains("/files/rsa.pk8 holds a DER PKCS#8 private key") })
            #expect(explanations.contains { $0.contains("/files/straddle.bin holds a PEM private key") })
        }
    }

    @Test("NUL bytes (%00) are 400 on every route; .. and its percent-encoded form are 400 under /files/; a folder and a missing file are 404")
    func badPaths() async throws {
        try await RoutesLab.with { lab in
            try lab.file("fw.bin", Array("firmware image".utf8))
            try FileManager.default.createDirectory(atPath: lab.files + "/sub", withIntermediateDirectories: true)
            try "lab.yaml must not be served".write(toFile: lab.path("lab.yaml"), atomically: true, encoding: .utf8)
            try await lab.test { client in
                for uri in ["/files/fw.bin%00.txt", "/files/fw.bin%00", "/whoami%00", "/ca.pem%00"] {
                    let response = try await client.execute(uri: uri, method: .get)
                    #expect(response.status == .badRequest, "\(uri)")
                    #expect(response.text == "400 Bad Request: the path holds a NUL byte (%00).\n", "\(uri): \(response.text)")
                }
                for uri in ["/files/../lab.yaml", "/files/%2e%2e/lab.yaml", "/files/sub/../../lab.yaml"] {
                    let response = try await client.execute(uri: uri, method: .get)
                    #expect(response.status == .badRequest, "\(uri)")
                    #expect(!response.text.contains("must not be served"))
                }
                for uri in ["/files/sub/", "/files/missing.bin", "/files/", "/nothing-here"] {
                    let response = try await client.execute(uri: uri, method: .get)
                    #expect(response.status == .notFound, "\(uri): \(response.status)")
                }
                // A folder without its slash: Hummingbird's FileMiddleware redirects (never lists it).
                let folder = try await client.execute(uri: "/files/sub", method: .get)
                #expect(folder.status.code / 100 == 3 && folder.bytes.isEmpty, "\(folder.status)")
                let served = try await client.execute(uri: "/files/fw.bin", method: .get)
                #expect(served.text == "firmware image")
            }
            #expect(lab.recordedEvents.isEmpty, "no refusal events for 400 and 404: \(lab.recordedEvents.map(\.reason))")
        }
    }

    @Test("POST /echo returns the body and its content type; / and /whoami answer without a TLS connection (no client); POST on /ca.pem is not a route")
    func otherRoutes() async throws {
        try await RoutesLab.with { lab in
            try await lab.test { client in
                let payload = ByteBuffer(bytes: (0..<70_000).map { UInt8($0 % 256) })
                let echo = try await client.execute(uri: "/echo", method: .post, headers: [.contentType: "application/x-test"], body: payload)
                #expect(echo.status == .ok && echo.body == payload)
                #expect(echo.headers[.contentType] == "application/x-test")
                let plain = try await client.execute(uri: "/echo", method: .post, body: ByteBuffer(string: "hi"))
                #expect(plain.text == "hi" && plain.headers[.contentType] == "application/octet-stream")

                let page = try await client.execute(uri: "/", method: .get)
                #expect(page.status == .ok && page.headers[.contentType] == "text/html; charset=utf-8")
                #expect(page.text.contains("pkilab lab “routes-test”") && page.text.contains("Routes Root, Routes Issuing"), "\(page.text)")
                // Without a certificate the page never claims mutual TLS; the routes are links.
                #expect(page.text.contains("Server authentication only") && !page.text.contains("Mutual TLS worked"), "\(page.text)")
                #expect(page.text.contains("No client certificate."))
                #expect(page.text.contains("<a href=\"/whoami\">/whoami</a>") && page.text.contains("<a href=\"/ca.pem\">/ca.pem</a>"))

                let whoami = try await client.execute(uri: "/whoami", method: .get)
                #expect(whoami.status == .ok && whoami.headers[.contentType] == "application/json")
                let json = try #require(try JSONSerialization.jsonObject(with: Data(whoami.bytes)) as? [String: Any], "\(whoami.text)")
                #expect(json["client"] == nil && json["peer"] as? String == "" && json["httpVersion"] as? String == "1.1", "\(json)")
                #expect(json["notes"] as? [String] == [])

                let wrongMethod = try await client.execute(uri: "/ca.pem", method: .post, body: ByteBuffer(string: "x"))
                #expect(wrongMethod.status == .notFound, "\(wrongMethod.status)")
            }
            #expect(lab.recordedRequests.first?.method == "POST" && lab.recordedRequests.first?.path == "/echo")
        }
    }

    @Test("without a files folder, /files/… is a 404 that says how to configure one")
    func noFilesFolder() async throws {
        try await RoutesLab.with(filesFolder: false) { lab in
            try lab.file("fw.bin", Array("firmware image".utf8))
            try await lab.test { client in
                let response = try await client.execute(uri: "/files/fw.bin", method: .get)
                #expect(response.status == .notFound)
                #expect(response.text.contains("No files folder is configured") && response.text.contains("endpoints.https"), "\(response.text)")
            }
        }
    }
}
