import Foundation
import PKILab
import PKILabTestSupport
import Testing

/// The OTA flow of `pkilab up` (the OTA server's redirect to a pre-signed URL on the object store, under another
/// root) as two device update clients meet it: ESP-IDF's esp_https_ota on mbedTLS 2.28 and ESP8266httpUpdate on
/// BearSSL (Tests/EmbeddedClients/mbedtls_ota.c and bearssl_httpupdate.c). Each case is checked twice: by the
/// client's `RESULT` line and by the lab's event for that request.
@Suite("OTA through the redirect and the object store, proven on mbedTLS 2.28 (esp_https_ota) and BearSSL (ESP8266httpUpdate)",
       .serialized, .timeLimit(.minutes(5)))
struct OTAEmbeddedTests {
    /// The clients, built once per run into the repository's .build (rebuilt each run, never left in /tmp), or why not.
    static let clients: Result<String, LabProcess.Failure> = {
        let folder = Pkilab.repository + "/.build/embedded-clients-ota"
        do {
            let build = try Run.program("sh", [Pkilab.repository + "/Tests/EmbeddedClients/build.sh", folder], timeout: 180)
            guard build.status == 0 else {
                return .failure(.init(message: "the clients need libmbedtls-dev and libbearssl-dev (scripts/test installs them): \(build)"))
            }
            return .success(folder)
        } catch {
            return .failure(.init(message: "build.sh did not run: \(error)"))
        }
    }()

    /// A lab from `pkilab init` with a 1 MiB image 1.2.0 (product app) and a 16 MiB one (product big), served on free
    /// ports with the object store's two listeners.
    final class OTALab {
        let scratch: Scratch
        let lab: LabProcess
        let bin: String
        /// `pkilab ota ls --json`, by image file name.
        let images: [String: [String: Any]]

        init() throws {
            bin = try OTAEmbeddedTests.clients.get()
            scratch = try Scratch()
            do {
                for arguments in [["init"], ["ota", "image", "1.2.0"], ["ota", "image", "1.0.0", "--size", "16MiB", "--product", "big"],
                                  ["issue"], ["export", "device-001", "--format", "der"]] {
                    let run = try Pkilab.run(arguments, in: scratch.path)
                    guard run.status == 0 else { throw LabProcess.Failure(message: "pkilab \(arguments.joined(separator: " ")): \(run)") }
                }
                for (pem, der) in [("ca/authorities/store-root/cert.pem", "store-root.der"), ("ca/authorities/root/cert.pem", "device-root.der")] {
                    let run = try Run.program("openssl", ["x509", "-in", pem, "-outform", "DER", "-out", der], cwd: scratch.path, timeout: 30)
                    guard run.status == 0 else { throw LabProcess.Failure(message: "openssl x509 \(pem): \(run)") }
                }
                let ls = try Pkilab.run(["ota", "ls", "--json"], in: scratch.path)
                guard ls.status == 0 else { throw LabProcess.Failure(message: "pkilab ota ls --json: \(ls)") }
                images = Self.imagesByName(ls.stdout)
                lab = try LabProcess(scratch: scratch, arguments: ["--port", "store=0", "--port", "store-untrusted=0"])
            } catch {
                scratch.remove()
                throw error
            }
        }

        /// `ota ls --json` is an array of images, or an object holding one (`images`).
        static func imagesByName(_ text: String) -> [String: [String: Any]] {
            let json = try? JSONSerialization.jsonObject(with: Data(text.utf8))
            let list = (json as? [[String: Any]]) ?? ((json as? [String: Any])?["images"] as? [[String: Any]]) ?? []
            var byName: [String: [String: Any]] = [:]
            for image in list {
                if let name = (image["name"] ?? image["image"] ?? image["file"]) as? String { byName[(name as NSString).lastPathComponent] = image }
            }
            return byName
        }

        func value(_ image: String, _ key: String) -> String {
            if let text = images[image]?[key] as? String { return text }
            if let number = images[image]?[key] as? Int { return String(number) }
            return ""
        }

        /// The OTA route for product app (the lab also has product big: without ?product the server picks by product
        /// name order, not by version).
        var otaURL: String { "https://localhost:\(lab.httpsPort)/ota/update?product=app" }
        var bigURL: String { "https://localhost:\(lab.httpsPort)/ota/update?product=big" }

        func stop() {
            lab.stop()
            scratch.remove()
        }

        /// Runs a client (30 s at most) and returns its RESULT line's words, and the run.
        func run(_ client: String, _ arguments: [String]) throws -> (result: [String], run: RunResult) {
            let run = try Run.program("\(bin)/\(client)", arguments, cwd: scratch.path, timeout: 30)
            let line = run.stdout.split(separator: "\n").last { $0.hasPrefix("RESULT ") } ?? ""
            return (line.split(separator: " ").dropFirst().map(String.init), run)
        }

        /// The mbedTLS client with the device's PEM files and `ca` as its one CA file (cert_pem).
        func mbedtls(_ url: String? = nil, ca: String = "ca/root.pem", _ extra: [String] = []) throws -> (result: [String], run: RunResult) {
            let device = "ca/certs/device-001"
            return try run("mbedtls_ota", ["--url", url ?? otaURL, "--ca", ca, "--cert", "\(device)/fullchain.pem", "--key", "\(device)/key.pem"] + extra)
        }

        /// The BearSSL client with the exported DER files and both roots as trust anchors (or only `anchors`).
        func bearssl(_ url: String? = nil, anchors: [String] = ["device-root.der", "store-root.der"], _ extra: [String] = []) throws
            -> (result: [String], run: RunResult) {
            let der = "ca/exports/device-001/der"
            return try run("bearssl_httpupdate", ["--url", url ?? otaURL] + anchors.flatMap { ["--ca", $0] } + [
                                                  "--cert", "\(der)/cert.der", "--chain", "\(der)/chain.der", "--key", "\(der)/private.der"] + extra)
        }

        /// The first event after the first `after` ones that matches (waits up to 10 s: events are written as requests end).
        func event(after: Int, endpoint: String? = nil, _ reason: String) -> ConnectionEvent? {
            event(after: after, endpoint: endpoint, anyOf: [reason])
        }

        func event(after: Int, endpoint: String? = nil, anyOf reasons: Set<String>) -> ConnectionEvent? {
            let deadline = Date().addingTimeInterval(10)
            repeat {
                if let found = lab.events.dropFirst(after).first(where: { reasons.contains($0.reason) && (endpoint == nil || $0.endpoint == endpoint) }) {
                    return found
                }
                usleep(50_000)
            } while Date() < deadline
            return nil
        }

        /// The reasons logged after the first `after` events, for failure messages (and pkilab's last output if it ended).
        func reasons(after: Int) -> String {
            let reasons = lab.events.dropFirst(after).map { "\($0.endpoint):\($0.reason)" }.joined(separator: ", ")
            return lab.process.isRunning ? reasons : reasons + "\npkilab up ended (\(lab.process.terminationStatus)):\n" + lab.output.string.suffix(3000)
        }
    }

    @Test("mbedTLS: 302 to the store, both roots in one CA file, SHA-256 as pkilab ota ls; the manifest's URL; only the device root or the wrong-ca store → -0x2700")
    func mbedtlsTrust() throws {
        let ota = try OTALab()
        defer { ota.stop() }
        let sha256 = ota.value("app-v1.2.0.bin", "sha256"), size = ota.value("app-v1.2.0.bin", "size")
        try #require(sha256.count == 64, "pkilab ota ls --json gives the SHA-256: \(ota.images)")

        var before = ota.lab.events.count
        let happy = try ota.mbedtls(nil, ["--sha256", sha256])
        #expect(happy.result.first == "ok" && happy.result.contains("sha256=\(sha256)") && happy.result.contains("bytes=\(size)")
                && happy.result.contains("resumed_at=0"), "\(happy.run)")
        #expect(ota.event(after: before, "update_offered")?.ota?.status == 302, "\(ota.reasons(after: before))")
        let downloaded = ota.event(after: before, endpoint: "store", "downloaded")
        #expect(downloaded?.ota?.bytes == Int(size) && downloaded?.ota?.method == "GET", "\(ota.reasons(after: before))")

        before = ota.lab.events.count
        let manifest = try ota.mbedtls(nil, ["--manifest"])
        #expect(manifest.result.first == "ok" && manifest.result.contains("sha256=\(sha256)"), "\(manifest.run)")
        #expect(ota.event(after: before, endpoint: "store", "downloaded") != nil, "\(ota.reasons(after: before))")

        // cert_pem without the store's root: the OTA server (under the device root) answers, the store cannot be verified.
        before = ota.lab.events.count
        let deviceRoot = try ota.mbedtls(nil, ca: "ca/authorities/root/cert.pem", ["--sha256", sha256])
        #expect(deviceRoot.result.starts(with: ["fail", "tls", "-0x2700"]) && deviceRoot.run.stdout.contains("not correctly signed by the trusted CA"),
                "\(deviceRoot.run)")
        #expect(deviceRoot.run.status == 1)
        #expect(ota.event(after: before, "update_offered") != nil, "\(ota.reasons(after: before))")
        let refused = ota.event(after: before, endpoint: "store", anyOf: ["client_rejected_server", "peer_closed"])
        #expect(refused != nil, "the store logs the device's refusal: \(ota.reasons(after: before))")
        if let refused, refused.reason == "client_rejected_server" {
            #expect(refused.explanation.contains("store-root"), "the event names the missing root: \(refused.jsonLine)")
        }

        // wrong-ca: the redirect goes to the store-untrusted listener, under a root no device has.
        before = ota.lab.events.count
        let wrongCA = try ota.mbedtls(ota.otaURL + "&fault=wrong-ca", ["--sha256", sha256])
        #expect(wrongCA.result.starts(with: ["fail", "tls", "-0x2700"]), "\(wrongCA.run)")
        #expect(ota.event(after: before, "update_offered")?.ota?.fault == "wrong-ca", "\(ota.reasons(after: before))")
        #expect(ota.event(after: before, endpoint: "store-untrusted", "client_rejected_server") != nil, "\(ota.reasons(after: before))")
    }

    @Test("mbedTLS: a 16 MiB download cut off halfway (interrupt) resumes with Range: bytes=N- (ota_resumption) and matches the SHA-256")
    func mbedtlsResume() throws {
        let ota = try OTALab()
        defer { ota.stop() }
        let sha256 = ota.value("big-v1.0.0.bin", "sha256")
        try #require(sha256.count == 64, "\(ota.images)")
        let before = ota.lab.events.count
        let started = Date()
        let resumed = try ota.mbedtls(ota.bigURL + "&fault=interrupt", ["--resume", "--sha256", sha256])
        let seconds = Date().timeIntervalSince(started)
        #expect(resumed.result.first == "ok" && resumed.result.contains("bytes=\(16 << 20)") && resumed.result.contains("sha256=\(sha256)"),
                "\(resumed.run)")
        let at = resumed.result.first { $0.hasPrefix("resumed_at=") }.flatMap { Int($0.dropFirst("resumed_at=".count)) } ?? 0
        if EngineUnderTest.isOpenSSL {
            // On the OpenSSL engine the device does not always get all of the first half before the cut (4.2–8 MiB seen);
            // where it resumes is what it had, and the whole image still checks out (docs/endpoints.md, TLS engines).
            #expect(at > 0 && at <= (8 << 20) + (1 << 20), "resumed at \(at), at most about 8 MiB expected")
        } else {
            #expect(abs(at - (8 << 20)) <= 1 << 20, "resumed at \(at), about 8 MiB expected")
        }
        let cut = ota.event(after: before, endpoint: "store", "download_interrupted")
        let finished = ota.event(after: before, endpoint: "store", "downloaded")
        #expect(cut != nil && finished != nil, "\(ota.reasons(after: before))")
        if let cut, let finished {
            #expect(cut.time <= finished.time)
            #expect(finished.ota?.status == 206 && finished.ota?.range == "bytes=\(at)-", "\(finished.jsonLine)")
        }
        // Without --resume the same cut is a short read.
        let short = try ota.mbedtls(ota.bigURL + "&fault=interrupt", ["--sha256", sha256])
        #expect(short.result.starts(with: ["fail", "short_read"]), "\(short.run)")
        print("OTA resume: 16 MiB in \(String(format: "%.1f", seconds)) s, resumed at \(at)")
    }

    @Test("mbedTLS: expired and tampered URLs, HEAD on a GET-signed URL, Basic auth forwarded, a URL longer than buffer_size_tx, and 304 for the running version")
    func mbedtlsRefusals() throws {
        let ota = try OTALab()
        defer { ota.stop() }
        let cases: [(query: String, extra: [String], result: [String], endpoint: String, reason: String)] = [
            ("&fault=expired", [], ["fail", "http_status", "403", "AccessDenied"], "store", "url_expired"),
            ("&fault=tampered", [], ["fail", "http_status", "403", "SignatureDoesNotMatch"], "store", "signature_mismatch"),
            // The HEAD goes to the manifest's URL (the OTA server's /ota/update answers GET only).
            ("", ["--manifest", "--head-first"], ["fail", "http_status", "403"], "store", "method_not_signed"),
            ("", ["--basic-auth", "device:secret"], ["fail", "http_status", "400", "InvalidArgument"], "store", "two_auth_mechanisms"),
            ("&fault=long-url", ["--tx-buffer", "512"], ["fail", "out_of_buffer"], "https", "update_offered"),
            ("", ["--version", "1.2.0"], ["fail", "not_modified", "304"], "https", "no_update"),
        ]
        for (query, extra, result, endpoint, reason) in cases {
            let before = ota.lab.events.count
            let run = try ota.mbedtls(ota.otaURL + query, extra)
            #expect(Array(run.result.prefix(result.count)) == result && run.run.status == 1, "\(query) \(extra): \(run.run)")
            #expect(ota.event(after: before, endpoint: endpoint, reason) != nil, "\(query) \(extra): \(ota.reasons(after: before))")
        }
    }

    @Test("BearSSL (ESP8266httpUpdate): a 302 is -104 unless followed; followed with setMD5sum; 308 not followed; direct delivery with x-MD5; a bad x-MD5; 304 → HTTP_UPDATE_NO_UPDATES; only the device root → -1 (BearSSL 62)")
    func bearsslHTTPUpdate() throws {
        let ota = try OTALab()
        defer { ota.stop() }
        let md5 = ota.value("app-v1.2.0.bin", "md5"), size = ota.value("app-v1.2.0.bin", "size")
        try #require(md5.count == 32, "pkilab ota ls --json gives the MD5: \(ota.images)")

        var before = ota.lab.events.count
        let noFollow = try ota.bearssl()
        #expect(noFollow.result.starts(with: ["fail", "-104"]) && noFollow.run.stdout.contains("Wrong HTTP Code (302)"), "\(noFollow.run)")
        #expect(ota.event(after: before, "update_offered")?.ota?.status == 302, "\(ota.reasons(after: before))")

        before = ota.lab.events.count
        let follow = try ota.bearssl(nil, ["--follow", "--md5", md5])
        #expect(follow.result == ["ok", "bytes=\(size)", "md5=\(md5)"], "\(follow.run)")
        #expect(ota.event(after: before, endpoint: "store", "downloaded")?.ota?.bytes == Int(size), "\(ota.reasons(after: before))")

        // Only the exported ca.der (the device root): the store's chain is not linked to a trust anchor (BearSSL 62).
        before = ota.lab.events.count
        let deviceRoot = try ota.bearssl(nil, anchors: ["ca/exports/device-001/der/ca.der"], ["--follow", "--md5", md5])
        #expect(deviceRoot.result.starts(with: ["fail", "-1", "connection", "failed", "(ssl", "error", "62"]), "\(deviceRoot.run)")
        // BearSSL sends no alert when it refuses a chain: it closes (the store sees a reset after its hello).
        let silent = ota.event(after: before, endpoint: "store", anyOf: ["client_rejected_server", "peer_closed"])
        #expect(silent?.explanation.contains("its CA bundle probably lacks \"store-root\"") == true,
                "not a browser's spare connection: \(ota.reasons(after: before)) \(String(describing: silent))")

        before = ota.lab.events.count
        let redirect308 = try ota.bearssl(ota.otaURL + "&fault=redirect-308", ["--follow", "--md5", md5])
        #expect(redirect308.result.starts(with: ["fail", "-104"]) && redirect308.run.stdout.contains("(308)"), "\(redirect308.run)")
        #expect(ota.event(after: before, "update_offered")?.ota?.status == 308, "\(ota.reasons(after: before))")

        before = ota.lab.events.count
        let direct = try ota.bearssl(ota.otaURL + "&delivery=direct")
        #expect(direct.result == ["ok", "bytes=\(size)", "md5=\(md5)"] && direct.run.stdout.contains("- MD5: \(md5)"), "\(direct.run)")
        #expect(ota.event(after: before, "update_offered")?.ota?.status == 200, "\(ota.reasons(after: before))")

        before = ota.lab.events.count
        let badDigest = try ota.bearssl(ota.otaURL + "&delivery=direct&fault=bad-digest")
        #expect(badDigest.result.starts(with: ["fail", "7", "MD5", "verification", "failed:"])
                && badDigest.run.stdout.contains("calculated: \(md5)"), "\(badDigest.run)")
        #expect(ota.event(after: before, "update_offered")?.ota?.fault == "bad-digest", "\(ota.reasons(after: before))")

        before = ota.lab.events.count
        let current = try ota.bearssl(nil, ["--version", "1.2.0"])
        #expect(current.result == ["fail", "0", "HTTP_UPDATE_NO_UPDATES"], "\(current.run)")
        let noUpdate = ota.event(after: before, "no_update")
        #expect(noUpdate?.ota?.status == 304 && noUpdate?.ota?.running == "1.2.0", "\(ota.reasons(after: before))")
    }
}
