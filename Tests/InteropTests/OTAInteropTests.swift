import Foundation
import PKILab
import PKILabTestSupport
import Testing

/// The default lab (it has `ota:`) with images, served on free ports.
private func withOTALab(extra: String = "", images: [(version: String, size: String)] = [("1.2.0", "1MiB"), ("1.1.0", "64KiB")],
                        environment: [String: String] = [:], _ body: (LabProcess) throws -> Void) throws {
    let scratch = try Scratch(lab: LabTemplate.starter + extra)
    defer { scratch.remove() }
    for image in images {
        let made = try Pkilab.run(["ota", "image", image.version, "--size", image.size], in: scratch.path)
        #expect(made.status == 0, "\(made)")
    }
    let lab = try LabProcess(scratch: scratch, environment: environment)
    defer {
        let status = lab.stop()
        #expect(status == 0, "pkilab up exits 0 on SIGTERM:\n\(lab.output.string)")
    }
    try body(lab)
}

extension LabProcess {
    var storePort: Int { ports["store"] ?? 0 }
    var untrustedStorePort: Int { ports["store-untrusted"] ?? 0 }

    /// Waits for the OTA event with this reason (on `endpoint`, when given) that is the `occurrence`-th such event.
    func otaEvent(_ reason: String, endpoint: String? = nil, occurrence: Int = 1) -> ConnectionEvent? {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let matching = events.filter { $0.ota != nil && $0.reason == reason && (endpoint == nil || $0.endpoint == endpoint) }
            if matching.count >= occurrence { return matching[occurrence - 1] }
            usleep(20_000)
        }
        return nil
    }
}

/// curl as device-001 (its certificate, the lab's root bundle holding both roots).
private func curl(_ lab: LabProcess, _ arguments: [String], ca: String = "ca/root.pem", device: String = "device-001") throws -> RunResult {
    let credentials = device.isEmpty ? [] : ["--cert", "ca/certs/\(device)/fullchain.pem", "--key", "ca/certs/\(device)/key.pem"]
    return try Run.program("curl", ["-sS", "--max-time", "30", "--cacert", ca] + credentials + arguments, cwd: lab.scratch.path, timeout: 40)
}

private func sha256(_ path: String, in folder: String) throws -> String {
    try Run.program("sha256sum", [path], cwd: folder).stdout.prefix(64).description
}

/// The image's digests as `pkilab ota ls --json` reports them.
private func listed(_ lab: LabProcess, _ image: String) throws -> [String: Any] {
    let result = try Pkilab.run(["ota", "ls", "--json"], in: lab.scratch.path)
    let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
    return rows.first { $0["image"] as? String == image } ?? [:]
}

@Suite("OTA: the OTA server and the object store against curl, Python and botocore", .serialized, .timeLimit(.minutes(5)))
struct OTAInteropTests {
    @Test("curl follows the redirect to the store under another root and gets the newest image; a current device gets 304; the manifest says the same")
    func happyPath() throws {
        try withOTALab { lab in
            let download = try curl(lab, ["-L", "-o", "update.bin", "-w", "%{http_code} %{num_redirects} %{url_effective}",
                                          "https://localhost:\(lab.httpsPort)/ota/update"])
            #expect(download.status == 0 && download.stdout.hasPrefix("200 1 https://localhost:\(lab.storePort)/firmware/app-v1.2.0.bin?X-Amz-Algorithm="),
                    "\(download)")
            let image = try listed(lab, "app-v1.2.0.bin")
            let digest = try sha256("update.bin", in: lab.scratch.path)
            #expect(digest == image["sha256"] as? String)
            let offered = try #require(lab.otaEvent("update_offered"))
            #expect(offered.endpoint == "https" && offered.client?.commonName == "device-001" && offered.ota?.status == 302)
            #expect(offered.explanation == "device-001 asked for an update (it sent no version); sent 1.2.0 (app-v1.2.0.bin) via a 302 redirect to a URL that expires in 300 s")
            let downloaded = try #require(lab.otaEvent("downloaded"))
            #expect(downloaded.endpoint == "store" && downloaded.ota?.bytes == 1_048_576 && downloaded.explanation.hasPrefix("download of app-v1.2.0.bin: 1,048,576 bytes in "))
            #expect(downloaded.ota?.path == "/firmware/app-v1.2.0.bin", "the signature is not logged")
            let storeTLS = lab.waitForEvent { $0.endpoint == "store" && $0.ota == nil }
            #expect(storeTLS?.explanation == "a client without a certificate completed TLS (this endpoint asks for no client certificate)", "\(String(describing: storeTLS))")

            // The redirect itself, as a device reads it.
            let redirect = try curl(lab, ["-o", "/dev/null", "-D", "-", "--http1.1", "https://localhost:\(lab.httpsPort)/ota/update"])
            #expect(redirect.stdout.contains("HTTP/1.1 302") && redirect.stdout.lowercased().contains("content-length: 0")
                    && redirect.stdout.lowercased().contains("connection: close"), "\(redirect)")

            // ESP-IDF's partial_http_download asks with HEAD first, and follows the redirect with it.
            let head = try curl(lab, ["-I", "https://localhost:\(lab.httpsPort)/ota/update"])
            #expect(head.stdout.hasPrefix("HTTP/2 302") && head.stdout.lowercased().contains("location: https://localhost:\(lab.storePort)/"), "\(head)")

            for header in ["x-ESP8266-version: 1.2.0", "x-ESP32-version: 1.3", "x-firmware-version: v1.2.0"] {
                let current = try curl(lab, ["-o", "/dev/null", "-w", "%{http_code}", "-H", header, "https://localhost:\(lab.httpsPort)/ota/update"])
                #expect(current.stdout == "304", "\(header): \(current)")
            }
            #expect(lab.otaEvent("no_update", occurrence: 3) != nil)
            #expect(lab.events.contains { $0.reason == "no_update" && $0.explanation.contains("runs 1.3, as new as the newest image it may get") })
            let older = try curl(lab, ["-o", "/dev/null", "-w", "%{http_code}", "-H", "x-ESP8266-version: 1.1.0", "https://localhost:\(lab.httpsPort)/ota/update"])
            #expect(older.stdout == "302")

            let manifest = try curl(lab, ["https://localhost:\(lab.httpsPort)/ota/manifest?version=1.1.0"])
            let json = try #require(try JSONSerialization.jsonObject(with: Data(manifest.stdout.utf8)) as? [String: Any], "\(manifest)")
            #expect(json["update"] as? Bool == true && json["version"] as? String == "1.2.0" && json["size"] as? Int == 1_048_576)
            #expect(json["sha256"] as? String == image["sha256"] as? String && json["md5"] as? String == image["md5"] as? String)
            #expect(json["expires_in"] as? Int == 300)
            let url = try #require(json["url"] as? String)
            let direct = try curl(lab, ["-o", "manifest.bin", "-w", "%{http_code}", url], device: "")
            let manifestDigest = try sha256("manifest.bin", in: lab.scratch.path)
            #expect(direct.stdout == "200" && manifestDigest == image["sha256"] as? String)

            // Without a client certificate there is no TLS at all on the https endpoint (client_auth: require).
            let anonymous = try curl(lab, ["-o", "/dev/null", "https://localhost:\(lab.httpsPort)/ota/update"], device: "")
            #expect(anonymous.status != 0)
        }
    }

    @Test("the exported device files work unedited: esp-idf's ca_cert.pem holds both roots and carries curl through the redirect; the C header names the real OTA URL")
    func exportedFiles() throws {
        try withOTALab { lab in
            let export = try Pkilab.run(["export", "device-001", "--format", "esp-idf", "--out", "kit"], in: lab.scratch.path)
            #expect(export.status == 0, "\(export)")
            let bundle = lab.scratch.read("kit/server_certs/ca_cert.pem") ?? ""
            #expect(bundle.components(separatedBy: "BEGIN CERTIFICATE").count - 1 == 2, "the lab root and store-root: \(bundle)")
            let snippet = lab.scratch.read("kit/main/ota.c.snippet") ?? ""
            #expect(snippet.contains(".url = \"https://localhost:\(lab.httpsPort)/ota/update\""), "the running lab's port: \(snippet)")
            let download = try Run.program("curl", ["-sS", "--max-time", "30", "--cacert", "kit/server_certs/ca_cert.pem", "--cert", "kit/main/certs/client.crt",
                                                     "--key", "kit/main/certs/client.key", "-L", "-o", "kit.bin", "-w", "%{http_code}",
                                                     "https://localhost:\(lab.httpsPort)/ota/update"], cwd: lab.scratch.path, timeout: 40)
            #expect(download.stdout == "200", "\(download)")
            let digest = try sha256("kit.bin", in: lab.scratch.path)
            #expect(digest == (try listed(lab, "app-v1.2.0.bin")["sha256"] as? String))
            let header = try Pkilab.run(["export", "device-001", "--format", "c", "--out", "c"], in: lab.scratch.path)
            #expect(header.status == 0, "\(header)")
            #expect(lab.scratch.read("c/lab_credentials.h")?.contains("#define LAB_OTA_URL \"https://localhost:\(lab.httpsPort)/ota/update\"") == true)
        }
    }

    @Test("the store answers as S3: expired, not yet valid, tampered, HEAD on a GET URL, an Authorization header, no signature, no such key, ranges")
    func storeRefusals() throws {
        try withOTALab { lab in
            func url(_ fault: String? = nil, image: String = "app-v1.2.0.bin") throws -> String {
                let result = try Pkilab.run(["ota", "presign", image] + (fault.map { ["--fault", $0] } ?? []), in: lab.scratch.path)
                #expect(result.status == 0, "\(result)")
                return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            func get(_ url: String, _ extra: [String] = []) throws -> RunResult {
                try curl(lab, ["-o", "-", "-w", "\n%{http_code}"] + extra + [url], device: "")
            }
            let expiredOffer = try curl(lab, ["-o", "/dev/null", "-w", "%{http_code}", "https://localhost:\(lab.httpsPort)/ota/update?fault=expired"], device: "device-001")
            #expect(expiredOffer.stdout == "302")
            #expect(lab.otaEvent("update_offered")?.explanation.contains("via a 302 redirect to a URL that expired 20 s ago; fault expired on purpose") == true,
                    "the offer says the URL is already expired: \(String(describing: lab.otaEvent("update_offered")))")
            let cases: [(url: String, extra: [String], status: String, code: String, reason: String)] = [
                (try url("expired"), [], "403", "<Code>AccessDenied</Code><Message>Request has expired</Message>", "url_expired"),
                (try url("not-yet-valid"), [], "403", "<Code>AccessDenied</Code><Message>Request is not yet valid</Message>", "url_not_yet_valid"),
                (try url("tampered"), [], "403", "<Code>SignatureDoesNotMatch</Code>", "signature_mismatch"),
                (try url(), ["-u", "device:secret"], "400", "<Code>InvalidArgument</Code><Message>Only one auth mechanism allowed", "two_auth_mechanisms"),
                ("https://localhost:\(lab.storePort)/firmware/app-v1.2.0.bin", [], "403", "<Code>AccessDenied</Code><Message>Access Denied</Message>", "anonymous_request"),
                (try url().replacingOccurrences(of: "X-Amz-Date=", with: "X-Amz-Dote="), [], "400", "<Code>AuthorizationQueryParametersError</Code>", "bad_query_auth"),
                (try url(), ["-r", "2000000-"], "416", "<Code>InvalidRange</Code>", "range_not_satisfiable"),
                (try url(), ["-X", "PUT"], "405", "<Code>MethodNotAllowed</Code>", "method_not_allowed"),
            ]
            for (offset, item) in cases.enumerated() {
                let result = try get(item.url, item.extra)
                #expect(result.stdout.hasSuffix("\n" + item.status) && result.stdout.contains(item.code), "\(item.reason): \(result)")
                #expect(result.stdout.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>"), "S3's XML: \(result)")
                let event = lab.otaEvent(item.reason)
                #expect(event?.outcome == .rejected && event?.ota?.status == Int(item.status) && event?.hint?.isEmpty == false,
                        "case \(offset) \(item.reason): \(String(describing: event))")
            }
            #expect(lab.otaEvent("url_expired")?.explanation.hasPrefix("URL expired 2") == true)

            let head = try curl(lab, ["-I", try url()], device: "")
            #expect(head.stdout.hasPrefix("HTTP/1.1 403"), "\(head)")
            #expect(lab.otaEvent("method_not_signed")?.explanation == "a HEAD on a URL signed for GET: S3 answers 403 SignatureDoesNotMatch (the method is part of the signature)")

            let signed = try url()
            let missing = try get(signed.replacingOccurrences(of: "app-v1.2.0.bin", with: "app-v9.bin"))
            #expect(missing.stdout.contains("<Code>SignatureDoesNotMatch</Code>"), "the key is signed: another key is another signature")
            let removed = try url(image: "app-v1.1.0.bin")
            try FileManager.default.removeItem(atPath: lab.scratch.path + "/firmware/app-v1.1.0.bin")
            let noSuchKey = try get(removed)
            #expect(noSuchKey.stdout.hasSuffix("\n404") && noSuchKey.stdout.contains("<Code>NoSuchKey</Code>"), "\(noSuchKey)")
            #expect(lab.otaEvent("no_such_key")?.explanation == "there is no object app-v1.1.0.bin (404 NoSuchKey)")

            // Ranges: 206 with Content-Range, ETag the quoted MD5, a malformed range ignored.
            let ranged = try curl(lab, ["-o", "/dev/null", "-D", "-", "-r", "100-199", signed], device: "")
            let headers = ranged.stdout.lowercased()
            let md5 = try listed(lab, "app-v1.2.0.bin")["md5"] as? String ?? "?"
            #expect(headers.contains("http/1.1 206") && headers.contains("content-range: bytes 100-199/1048576") && headers.contains("content-length: 100")
                    && headers.contains("etag: \"\(md5)\"") && headers.contains("accept-ranges: bytes") && headers.contains("x-amz-request-id: "), "\(ranged)")
            let malformed = try curl(lab, ["-o", "/dev/null", "-w", "%{http_code} %{size_download}", "-H", "Range: bytes=abc", signed], device: "")
            #expect(malformed.stdout == "200 1048576")
        }
    }

    @Test("an interrupted 16 MiB download resumes with Range: the pieces make the image; both steps are events")
    func interruptAndResume() throws {
        try withOTALab(images: [("2.0.0", "16MiB")]) { lab in
            let url = try Pkilab.run(["ota", "presign", "app-v2.0.0.bin", "--fault", "interrupt"], in: lab.scratch.path).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let script = """
                import hashlib, http.client, json, ssl, sys, urllib.parse
                url = urllib.parse.urlsplit(sys.argv[1])
                context = ssl.create_default_context(cafile="ca/root.pem")
                def get(headers):
                    connection = http.client.HTTPSConnection(url.hostname, url.port, context=context, timeout=30)
                    connection.request("GET", url.path + "?" + url.query, headers=headers)
                    response = connection.getresponse()
                    try:
                        return response.status, response.read(), None
                    except http.client.IncompleteRead as error:
                        return response.status, error.partial, "incomplete"
                first_status, first, error = get({})
                second_status, second, _ = get({"Range": "bytes=%d-" % len(first)})
                print(json.dumps({"first": [first_status, len(first), error], "second": [second_status, len(second)],
                                  "sha256": hashlib.sha256(first + second).hexdigest()}))
                """
            let result = try Run.program("python3", ["-c", script, url], cwd: lab.scratch.path, timeout: 60)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
            #expect(json["first"] as? [AnyHashable] == [200, 8_388_608, "incomplete"], "\(result)")
            #expect(json["second"] as? [AnyHashable] == [206, 8_388_608])
            let expected = try listed(lab, "app-v2.0.0.bin")["sha256"] as? String
            #expect(json["sha256"] as? String == expected)
            let cut = try #require(lab.otaEvent("download_interrupted"))
            #expect(cut.explanation == "download of app-v2.0.0.bin cut off on purpose after 8,388,608 of 16,777,216 bytes (fault interrupt)")
            #expect(cut.hint?.contains("Range: bytes=8388608-") == true)
            #expect(lab.otaEvent("downloaded")?.explanation.contains("resumed at 8,388,608") == true)
        }
    }

    @Test("a device that trusts only the lab root fails at the store, and the store's event names the root it lacks; wrong-ca is refused by a strict client")
    func storeUnderAnotherRoot() throws {
        try withOTALab { lab in
            let onlyDeviceRoot = try curl(lab, ["-L", "-o", "/dev/null", "https://localhost:\(lab.httpsPort)/ota/update"], ca: "ca/authorities/root/cert.pem")
            #expect(onlyDeviceRoot.status == 60, "curl: the store's certificate does not verify: \(onlyDeviceRoot)")
            let refused = lab.waitForEvent { $0.endpoint == "store" && $0.outcome == .rejected }
            #expect(refused?.explanation.contains("its CA bundle probably lacks \"store-root\"") == true, "\(String(describing: refused))")
            #expect(refused?.hint?.contains("--format esp-idf") == true)

            let wrongCA = try curl(lab, ["-L", "-o", "/dev/null", "https://localhost:\(lab.httpsPort)/ota/update?fault=wrong-ca"])
            #expect(wrongCA.status == 60, "\(wrongCA)")
            let zoo = lab.waitForEvent { $0.endpoint == "store-untrusted" }
            #expect(zoo?.zoo?.verdict == .correct, "\(String(describing: zoo))")
            let insecure = try curl(lab, ["-k", "-L", "-o", "/dev/null", "-w", "%{http_code}", "https://localhost:\(lab.httpsPort)/ota/update?fault=wrong-ca"])
            #expect(insecure.stdout == "200")
            let wrongly = lab.otaEvent("untrusted_store_accepted", endpoint: "store-untrusted")
            #expect(wrongly?.explanation.hasPrefix("WRONGLY ACCEPTED: the device downloaded app-v1.2.0.bin") == true, "\(String(describing: wrongly))")
        }
    }

    @Test("targets: a denied identity gets 403 naming the rule; bad-digest announces wrong digests; long-url and redirect-308 are what they say")
    func targetsAndFaults() throws {
        let lab = LabTemplate.starter.replacingOccurrences(of: """
              # targets:                       # which images whom; without it every identity may get every image
              #   - allow: ["app-*"]
              #   - deny: ["app-v2.*"]
              #     identities: [device-002]
            """, with: """
              targets:
                - allow: ["app-*"]
                - deny: ["app-v1.2.*"]
                  identities: [device-002]
            """)
        let scratch = try Scratch(lab: lab)
        defer { scratch.remove() }
        for version in ["1.2.0", "1.1.0"] { #expect(try Pkilab.run(["ota", "image", version, "--size", "4KiB"], in: scratch.path).status == 0) }
        let process = try LabProcess(scratch: scratch)
        defer { _ = process.stop() }
        let denied = try curl(process, ["-o", "/dev/null", "-w", "%{http_code}", "https://localhost:\(process.httpsPort)/ota/update"], device: "device-002")
        #expect(denied.stdout == "302", "device-002 still gets 1.1.0: \(denied)")
        #expect(process.otaEvent("update_offered")?.ota?.image == "app-v1.1.0.bin")
        let older = try curl(process, ["-o", "-", "-w", "%{http_code}", "-H", "x-ESP8266-version: 1.1.0", "https://localhost:\(process.httpsPort)/ota/update"], device: "device-002")
        #expect(older.stdout.hasSuffix("304"), "its newest allowed image is the one it runs: \(older)")

        let listing = try Pkilab.run(["ota", "ls"], in: scratch.path)
        #expect(listing.stdout.contains("not to device-002: denied by ota.targets[1]"), "\(listing)")

        let badDigest = try curl(process, ["https://localhost:\(process.httpsPort)/ota/manifest?fault=bad-digest"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(badDigest.stdout.utf8)) as? [String: Any])
        let real = try listed(process, "app-v1.2.0.bin")
        #expect(json["sha256"] as? String != real["sha256"] as? String && json["fault"] as? String == "bad-digest")
        let direct = try curl(process, ["-o", "/dev/null", "-D", "-", "https://localhost:\(process.httpsPort)/ota/update?delivery=direct&fault=bad-digest"])
        #expect(direct.stdout.lowercased().contains("x-md5: ") && !direct.stdout.contains(real["md5"] as? String ?? "?"), "\(direct)")

        let long = try curl(process, ["-o", "/dev/null", "-w", "%{redirect_url}", "https://localhost:\(process.httpsPort)/ota/update?fault=long-url"])
        #expect(long.stdout.utf8.count > 1024 && long.stdout.contains("X-Amz-Security-Token="))
        let permanent = try curl(process, ["-L", "-o", "/dev/null", "-w", "%{http_code} %{num_redirects}", "https://localhost:\(process.httpsPort)/ota/update?fault=redirect-308"])
        #expect(permanent.stdout == "200 1")
        let notAllowed = try curl(process, ["-o", "/dev/null", "-w", "%{http_code}", "https://localhost:\(process.httpsPort)/ota/update?fault=not-allowed"])
        #expect(notAllowed.stdout == "403" && process.otaEvent("not_allowed") != nil)
        let unknownFault = try curl(process, ["-w", "\n%{http_code}", "https://localhost:\(process.httpsPort)/ota/update?fault=slow"])
        #expect(unknownFault.stdout.hasSuffix("400") && unknownFault.stdout.contains("there is no fault \"slow\""))
    }

    @Test("a URL botocore signs with the user's credentials (ota.credentials) is accepted by the running store, and refused once expired")
    func botocoreURL() throws {
        let lab = LabTemplate.starter.replacingOccurrences(of: "  url_lifetime: 300s\n", with: """
              url_lifetime: 300s
              credentials: { access_key_id: AKIAIOSFODNN7EXAMPLE, secret_access_key_env: LAB_TEST_SECRET }

            """)
        let scratch = try Scratch(lab: lab)
        defer { scratch.remove() }
        #expect(try Pkilab.run(["ota", "image", "1.2.0", "--size", "4KiB"], in: scratch.path).status == 0)
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        let process = try LabProcess(scratch: scratch, environment: ["LAB_TEST_SECRET": secret])
        defer { _ = process.stop() }
        let script = """
            import sys
            try:
                import botocore.session
                from botocore.config import Config
            except ImportError:
                print("botocore is missing: apt-get install python3-botocore"); sys.exit(3)
            session = botocore.session.get_session()
            client = session.create_client("s3", region_name="us-east-1", aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                aws_secret_access_key=sys.argv[2], endpoint_url=sys.argv[1],
                config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
            print(client.generate_presigned_url("get_object", Params={"Bucket": "firmware", "Key": "app-v1.2.0.bin"}, ExpiresIn=int(sys.argv[3])))
            """
        // The first Python with botocore (Debian's python3-botocore lives under /usr/bin/python3).
        let python = try #require(["python3", "/usr/bin/python3"].first { (try? Run.program($0, ["-c", "import botocore"]))?.status == 0 },
                                  "no python3 with botocore: apt-get install python3-botocore (scripts/test does)")
        func presigned(expires: Int) throws -> String {
            let result = try Run.program(python, ["-c", script, "https://localhost:\(process.storePort)", secret, String(expires)],
                                         cwd: scratch.path, timeout: 30)
            #expect(result.status == 0, "\(result)")
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let url = try presigned(expires: 60)
        #expect(url.contains("X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F"), "\(url)")
        let accepted = try curl(process, ["-o", "/dev/null", "-w", "%{http_code}", url], device: "")
        #expect(accepted.stdout == "200", "\(accepted)")
        let short = try presigned(expires: 1)
        sleep(2)
        let expired = try curl(process, ["-o", "-", "-w", "\n%{http_code}", short], device: "")
        #expect(expired.stdout.hasSuffix("403") && expired.stdout.contains("Request has expired"), "\(expired)")
    }
}
