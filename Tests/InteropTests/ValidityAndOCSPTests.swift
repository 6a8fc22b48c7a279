import Foundation
import PKILab
import PKILabTestSupport
import Testing

/// A date as `openssl x509 -startdate/-enddate` prints it (`notAfter=Mar  7 14:03:09 2029 GMT`).
func opensslDate(_ line: String) -> Date? {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "MMM d HH:mm:ss yyyy zzz"
    var text = line.trimmingCharacters(in: .whitespacesAndNewlines)
    if let equals = text.firstIndex(of: "=") { text = String(text[text.index(after: equals)...]) }
    while text.contains("  ") { text = text.replacingOccurrences(of: "  ", with: " ") }
    return formatter.date(from: text)
}

/// Appends a nonce extension of `size` octets to the OCSP request in `req.der` (made by openssl ocsp -reqout),
/// POSTs it to the URL in argv[2] and writes the answer to `resp.der`.
private let nonceRequest = #"""
import sys, urllib.request
size, url = int(sys.argv[1]), sys.argv[2]
def length(n):
    if n < 128: return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b
def tlv(tag, content): return bytes([tag]) + length(len(content)) + content
def read(der):
    n, i = der[1], 2
    if n & 0x80:
        count = n & 0x7F
        n, i = int.from_bytes(der[2:2 + count], "big"), 2 + count
    return der[i:i + n], der[i + n:]
request = open("req.der", "rb").read()
outer, _ = read(request)
tbs_content, rest = read(outer)
nonce = tlv(0x30, bytes.fromhex("06092b0601050507300102") + tlv(0x04, tlv(0x04, bytes(range(1, size + 1)))))
tbs = tlv(0x30, tbs_content + tlv(0xA2, tlv(0x30, nonce)))
body = tlv(0x30, tbs + rest)
answer = urllib.request.urlopen(urllib.request.Request(url, data=body, headers={"Content-Type": "application/ocsp-request"}), timeout=20).read()
open("resp.der", "wb").write(answer)
"""#

@Suite("Certificate lifetimes and the OCSP responder, read by openssl", .serialized, .timeLimit(.minutes(3)))
struct ValidityAndOCSPTests {
    @Test("No certificate is valid for longer than asked: a default leaf spans exactly 825 days (notBefore back-dated by the skew, notAfter 825 days after it), authorities at most their validity")
    func spanIsTheValidityAskedFor() throws {
        let scratch = try Scratch(lab: Scratch.lab(extra: "  short: { issuer: issuing, role: client, validity: 30m }"))
        defer { scratch.remove() }
        #expect(try Pkilab.run(["issue"], in: scratch.path).status == 0)
        let asked: [(String, TimeInterval)] = [("ca/certs/server/cert.pem", 825 * 86_400), ("ca/certs/device-001/cert.pem", 825 * 86_400),
                                               ("ca/certs/short/cert.pem", 1_800), ("ca/authorities/root/cert.pem", 20 * 365 * 86_400),
                                               ("ca/authorities/issuing/cert.pem", 10 * 365 * 86_400)]
        for (file, validity) in asked {
            let dates = try Run.program("openssl", ["x509", "-in", file, "-noout", "-startdate", "-enddate"], cwd: scratch.path)
            let lines = dates.stdout.split(separator: "\n").map(String.init)
            let start = try #require(lines.first.flatMap(opensslDate), "\(dates)")
            let end = try #require(lines.last.flatMap(opensslDate), "\(dates)")
            #expect(end.timeIntervalSince(start) == validity, "\(file): \(dates.stdout) spans \(end.timeIntervalSince(start)) s, asked \(validity) s")
            #expect(start < Date() && end > Date(), "\(file) is valid now: \(dates.stdout)")
        }
        let server = try Run.program("openssl", ["x509", "-in", "ca/certs/server/cert.pem", "-noout", "-startdate"], cwd: scratch.path)
        let start = try #require(opensslDate(server.stdout))
        #expect(abs(start.timeIntervalSinceNow + 3_600) < 120, "back-dated by the 1 h skew: \(server)")
        let short = try Run.program("openssl", ["x509", "-in", "ca/certs/short/cert.pem", "-noout", "-enddate"], cwd: scratch.path)
        #expect((opensslDate(short.stdout)?.timeIntervalSinceNow ?? 0) > 800, "a validity under twice the skew is back-dated by half of it: \(short)")
    }

    @Test("openssl ocsp: two certificates of one authority get an answer each; certificates of two authorities in one request get unauthorized; a nonce over 32 octets gets malformedRequest (RFC 8954), one of 32 is echoed")
    func ocspRequests() throws {
        let scratch = try Scratch(lab: Scratch.lab(extra: "  device-002: { issuer: issuing, role: client }"))
        defer { scratch.remove() }
        let lab = try LabProcess(scratch: scratch)
        defer { lab.stop() }
        let url = "http://127.0.0.1:\(lab.ports["crl"] ?? 0)/ocsp"
        #expect(try Pkilab.run(["revoke", "device-002"], in: scratch.path).status == 0)
        let issuing = "ca/authorities/issuing/cert.pem"

        let both = try Run.program("openssl", ["ocsp", "-issuer", issuing, "-cert", "ca/certs/device-001/cert.pem", "-cert", "ca/certs/device-002/cert.pem",
                                               "-url", url, "-CAfile", "ca/root.pem"], cwd: scratch.path, timeout: 30)
        #expect(both.stderr.contains("Response verify OK") && both.stdout.contains("device-001/cert.pem: good")
                && both.stdout.contains("device-002/cert.pem: revoked"), "\(both)")

        let mixed = try Run.program("openssl", ["ocsp", "-issuer", issuing, "-cert", "ca/certs/device-001/cert.pem",
                                                "-issuer", "ca/root.pem", "-cert", issuing, "-url", url, "-CAfile", "ca/root.pem"], cwd: scratch.path, timeout: 30)
        #expect((mixed.stdout + mixed.stderr).contains("unauthorized (6)") && !mixed.stdout.contains(": good"), "refused as a whole, not answered in part: \(mixed)")

        #expect(try Run.program("openssl", ["ocsp", "-issuer", issuing, "-cert", "ca/certs/device-001/cert.pem", "-no_nonce", "-reqout", "req.der"],
                                cwd: scratch.path).status == 0)
        for (size, expected) in [(33, "Responder Error: malformedrequest (1)"), (64, "Responder Error: malformedrequest (1)"), (32, "OCSP Response Status: successful (0x0)")] {
            let sent = try Run.program("python3", ["-c", nonceRequest, "\(size)", url], cwd: scratch.path, timeout: 30)
            #expect(sent.status == 0, "\(sent)")
            let text = try Run.program("openssl", ["ocsp", "-respin", "resp.der", "-resp_text", "-noverify"], cwd: scratch.path)
            #expect(text.stdout.contains(expected), "nonce of \(size) octets: \(text)")
            if size == 32 {
                #expect(text.stdout.contains("OCSP Nonce") && text.stdout.contains("0102030405060708090A0B0C0D0E0F10"), "echoed: \(text)")
            }
        }
    }
}
