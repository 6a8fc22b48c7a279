import Foundation
import Testing

@testable import PKILab

/// Every verdict reached by a real URL from the presigner, changed the way devices, proxies and people change them.
@Suite("SigV4 verification: every verdict from a real pre-signed URL")
struct SigV4VerifierTests {
    static let credentials = SigV4Credentials(accessKeyID: "LABKEY0000000001", secretAccessKey: "lab-secret/with+chars")
    /// 2026-07-01T12:00:00Z.
    static let signedAt = Date(timeIntervalSince1970: 1_782_907_200)
    static let host = "s3.us-east-1.lab.test:9443"
    static let path = "/firmware/app-v1.2.0.bin"

    let verifier = SigV4Verifier(credentials: [Self.credentials], allowedFutureSkew: 0)

    /// `scheme://host/path?query` → host, raw path, raw query.
    static func split(_ url: String) -> (host: String, path: String, query: String?) {
        let afterScheme = url.range(of: "://").map { String(url[$0.upperBound...]) } ?? url
        let slash = afterScheme.firstIndex(of: "/") ?? afterScheme.endIndex
        let host = String(afterScheme[..<slash])
        let rest = afterScheme[slash...]
        guard let mark = rest.firstIndex(of: "?") else { return (host, String(rest), nil) }
        return (host, String(rest[..<mark]), String(rest[rest.index(after: mark)...]))
    }

    static func url(method: String = "GET", path: String = path, expires: Int = 300) -> String {
        SigV4Presigner.presign(
            method: method, host: host, path: path, credentials: credentials, date: signedAt, expires: expires)
    }

    func verify(
        _ url: String, method: String = "GET", headers: [(name: String, value: String)] = [], at offset: TimeInterval = 10,
        query: ((String) -> String)? = nil
    ) -> SigV4Verdict {
        let parts = Self.split(url)
        return verifier.verify(
            method: method, host: parts.host, path: parts.path, query: parts.query.map { query?($0) ?? $0 },
            headers: headers, now: Self.signedAt.addingTimeInterval(offset))
    }

    @Test("a fresh URL is valid, with its signing time, expiry and key")
    func valid() {
        #expect(
            verify(Self.url()) == .valid(
                signedAt: Self.signedAt, expiresAt: Self.signedAt.addingTimeInterval(300), accessKeyID: "LABKEY0000000001"))
        #expect(verify(Self.url(), at: 300).isValid, "the last second of the window still counts")
    }

    @Test("a tampered signature is a mismatch carrying both signatures and the texts that were signed")
    func tampered() throws {
        let verdict = verify(Self.url(), query: { $0.replacingOccurrences(of: "X-Amz-Signature=", with: "X-Amz-Signature=0") })
        guard case .signatureMismatch(let mismatch) = verdict else { Issue.record("got \(verdict)"); return }
        #expect(mismatch.provided.hasPrefix("0") && mismatch.provided.count == 65)
        #expect(mismatch.expected == String(mismatch.provided.dropFirst().prefix(64)))
        #expect(mismatch.canonicalRequest.hasPrefix("GET\n/firmware/app-v1.2.0.bin\nX-Amz-Algorithm=AWS4-HMAC-SHA256&"))
        #expect(mismatch.stringToSign.hasPrefix("AWS4-HMAC-SHA256\n20260701T120000Z\n20260701/us-east-1/s3/aws4_request\n"))
        #expect(mismatch.signedForMethod == nil)
    }

    @Test("HEAD on a URL signed for GET is a mismatch that names GET; GET on a PUT URL names PUT")
    func otherMethod() {
        guard case .signatureMismatch(let head) = verify(Self.url(), method: "HEAD") else { Issue.record("HEAD passed"); return }
        #expect(head.signedForMethod == "GET")
        #expect(head.canonicalRequest.hasPrefix("HEAD\n"))
        guard case .signatureMismatch(let get) = verify(Self.url(method: "PUT")) else { Issue.record("GET passed"); return }
        #expect(get.signedForMethod == "PUT")
    }

    @Test("past X-Amz-Date + X-Amz-Expires the URL has expired, by whole seconds rounded up")
    func expired() {
        let expiresAt = Self.signedAt.addingTimeInterval(300)
        #expect(verify(Self.url(), at: 342) == .expired(signedAt: Self.signedAt, expiresAt: expiresAt, by: 42))
        #expect(verify(Self.url(), at: 300.5) == .expired(signedAt: Self.signedAt, expiresAt: expiresAt, by: 1))
    }

    @Test("an X-Amz-Date ahead of the store's clock is not yet valid, unless within the allowed skew")
    func notYetValid() {
        let expiresAt = Self.signedAt.addingTimeInterval(300)
        #expect(verify(Self.url(), at: -90) == .notYetValid(signedAt: Self.signedAt, expiresAt: expiresAt, by: 90))
        let lenient = SigV4Verifier(credentials: [Self.credentials])
        #expect(lenient.allowedFutureSkew == 900)
        let parts = Self.split(Self.url())
        let now = Self.signedAt.addingTimeInterval(-899)
        #expect(lenient.verify(method: "GET", host: parts.host, path: parts.path, query: parts.query, headers: [], now: now).isValid)
        let later = Self.signedAt.addingTimeInterval(-901)
        #expect(
            lenient.verify(method: "GET", host: parts.host, path: parts.path, query: parts.query, headers: [], now: later)
                == .notYetValid(signedAt: Self.signedAt, expiresAt: expiresAt, by: 901))
    }

    @Test("each of the six parameters missing is named; none at all is an anonymous request", arguments: SigV4Verifier.requiredParameters)
    func missing(parameter: String) {
        let verdict = verify(Self.url()) { query in
            query.split(separator: "&").filter { !$0.hasPrefix(parameter + "=") }.joined(separator: "&")
        }
        #expect(verdict == .missingParameters([parameter]))
    }

    @Test("a URL without any authentication parameter is anonymous")
    func anonymous() {
        #expect(verifier.verify(method: "GET", host: Self.host, path: Self.path, query: nil, headers: [], now: Self.signedAt) == .anonymous)
        #expect(
            verifier.verify(method: "GET", host: Self.host, path: Self.path, query: "versionId=3", headers: [], now: Self.signedAt)
                == .anonymous)
    }

    @Test("X-Amz-Expires=604801 is out of range, 604800 is accepted, 0 and -1 are out of range, 'soon' is not a number")
    func expiresRange() {
        #expect(verify(Self.url(expires: 604_801)) == .expiresOutOfRange(604_801))
        #expect(verify(Self.url(expires: 604_800)).isValid)
        #expect(verify(Self.url(expires: 0)) == .expiresOutOfRange(0))
        #expect(verify(Self.url(expires: -1)) == .expiresOutOfRange(-1))
        #expect(verify(Self.url()) { $0.replacingOccurrences(of: "X-Amz-Expires=300", with: "X-Amz-Expires=soon") } == .badExpires("soon"))
    }

    @Test("malformed algorithm, credential and date are refused before the key is looked up")
    func malformed() {
        #expect(
            verify(Self.url()) { $0.replacingOccurrences(of: "AWS4-HMAC-SHA256", with: "AWS4-HMAC-SHA1") } == .badAlgorithm("AWS4-HMAC-SHA1"))
        #expect(
            verify(Self.url()) { $0.replacingOccurrences(of: "%2Faws4_request", with: "") }
                == .badCredential("LABKEY0000000001/20260701/us-east-1/s3"))
        #expect(
            verify(Self.url()) { $0.replacingOccurrences(of: "X-Amz-Date=20260701T120000Z", with: "X-Amz-Date=2026-07-01") }
                == .badDate("2026-07-01"))
    }

    @Test("an unknown key and a scope for another region are named")
    func keys() {
        let stranger = SigV4Credentials(accessKeyID: "AKIASTRANGER", secretAccessKey: "x")
        let url = SigV4Presigner.presign(host: Self.host, path: Self.path, credentials: stranger, date: Self.signedAt, expires: 60)
        #expect(verify(url) == .unknownAccessKey("AKIASTRANGER"))
        var west = Self.credentials
        west.region = "eu-west-1"
        let westURL = SigV4Presigner.presign(host: Self.host, path: Self.path, credentials: west, date: Self.signedAt, expires: 60)
        #expect(verify(westURL) == .wrongRegion(provided: "eu-west-1", expected: "us-east-1"))
    }

    @Test("an Authorization header with query authentication is two mechanisms, reported with the header's value")
    func twoMechanisms() {
        #expect(
            verify(Self.url(), headers: [(name: "Authorization", value: "Basic ZGV2aWNlOnB3")])
                == .twoAuthMechanisms(authorization: "Basic ZGV2aWNlOnB3"))
    }

    @Test("an unsigned x-amz-meta header is refused before the signature; x-amz-content-sha256 and other headers are not")
    func unsignedHeaders() {
        #expect(
            verify(Self.url(), headers: [(name: "X-Amz-Meta-Device", value: "esp32"), (name: "x-amz-meta-device", value: "again")])
                == .headersNotSigned(["x-amz-meta-device"]))
        #expect(
            verify(
                Self.url(),
                headers: [
                    (name: "x-amz-content-sha256", value: "UNSIGNED-PAYLOAD"), (name: "User-Agent", value: "ESP32 HTTP Client/1.0"),
                    (name: "Range", value: "bytes=0-1023"),
                ]
            ).isValid)
    }

    @Test(
        "keys with spaces, unicode, + and reserved characters verify from the encoded request line",
        arguments: ["/firmware/my app.bin", "/firmware/früh-ß/版本 2.bin", "/a+b/c=d&e.bin", "/bucket/dir/x~y_z.bin"])
    func encodedPaths(path: String) {
        let url = Self.url(path: path)
        #expect(!Self.split(url).path.contains(" "))
        #expect(verify(url).isValid)
    }

    @Test("the Host header stands in for a nil host, and another port is a mismatch")
    func hostHeader() {
        let parts = Self.split(Self.url())
        let now = Self.signedAt.addingTimeInterval(1)
        #expect(
            verifier.verify(method: "GET", host: nil, path: parts.path, query: parts.query, headers: [(name: "Host", value: Self.host)], now: now)
                .isValid)
        let otherPort = verifier.verify(method: "GET", host: "s3.us-east-1.lab.test:443", path: parts.path, query: parts.query, headers: [], now: now)
        guard case .signatureMismatch = otherPort else { Issue.record("got \(otherPort)"); return }
    }
}
