import Foundation
import MQTTBroker
import PKILab
import Testing

/// The reasons in docs/reasons.md and the reasons in the code are the same list: a code the lab can give has a
/// row that says when, and a row names a code the lab really gives.
@Suite("The reason catalog and docs/reasons.md")
struct ReasonCatalogTests {
    /// The repository's docs/reasons.md.
    static let reasonsPage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/reasons.md").path

    /// The backticked codes in the first column of the table under the heading `## title`, in order.
    static func codes(under title: String) throws -> [String] {
        let text = try String(contentsOfFile: reasonsPage, encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        guard let start = lines.firstIndex(of: "## \(title)") else { throw CatalogError.noHeading(title) }
        var codes: [String] = []
        for line in lines[(start + 1)...] {
            if line.hasPrefix("## ") { break }
            guard line.hasPrefix("| `") else { continue }
            let cell = line.dropFirst(2).prefix { $0 != "|" }.trimmingCharacters(in: .whitespaces)
            #expect(cell.filter { $0 == "`" }.count == 2, "one code per row: \(line)")
            codes.append(String(cell.dropFirst().prefix { $0 != "`" }))
        }
        return codes
    }

    enum CatalogError: Error {
        case noHeading(String)
    }

    /// The table under `## title` lists exactly `codes`, each once.
    static func expectTable(_ title: String, lists codes: [String]) throws {
        let documented = try Self.codes(under: title)
        #expect(documented.count == Set(documented).count, "a code listed twice: \(documented)")
        #expect(Set(codes).subtracting(documented).sorted() == [], "in the code, missing from docs/reasons.md (\(title))")
        #expect(Set(documented).subtracting(codes).sorted() == [], "in docs/reasons.md (\(title)), not a code the lab gives")
    }

    @Test("every connection reason the code can give has one row, and every row is a reason (or ok)")
    func connectionReasons() throws {
        try Self.expectTable("Connection reasons", lists: RejectionReason.Code.allCases.map(\.rawValue) + ["ok"])
    }

    @Test("every reason has words: a sentence and a hint, naming its facts")
    func words() {
        let reasons: [RejectionReason] = [
            .noClientCertificate, .certificate(.expired(authority: nil, date: Date(timeIntervalSince1970: 1_609_459_200))),
            .certificate(.weakKey(bits: 1024)), .missingIntermediate(missing: ["Issuing"]), .keyMismatch,
            .resumedSessionRefused(.certificate(.revoked(authority: nil, date: Date(), crlReason: "keyCompromise", by: "CN=Issuing", crlNumber: "7"))),
            .notATLSClient(firstBytes: "GET / HTTP/1.1", plainHTTP: true, httpsURL: "https://127.0.0.1:8443/"),
            .protocolVersion(offered: ["1.1"]), .noSharedCipher(.cipher), .noSharedCipher(.group), .noSharedCipher(.signatureAlgorithm),
            .clientRejectedServer(alert: "unknown_ca"), .handshakeTimeout(seconds: 10), .peerClosed, .closedUnused,
            .handshakeFailed(library: "WEIRD_ERROR"), .fileOutsideFolder(path: "/files/x", real: "/etc/passwd", folder: "/lab/firmware"),
            .privateKeyRefused(path: "/files/k", key: "a PEM private key"), .connectionLimit(limit: 900),
            .addressConnectionLimit(limit: 450), .clientConnectionLimit(limit: 8), .alpnMissing(offered: []),
        ]
        #expect(Set(reasons.map(\.code)) == Set(RejectionReason.Code.allCases).subtracting([.unknownAuthority, .notYetValid, .wrongPurpose,
            .nameMismatch, .brokenChain, .nameConstraintViolation, .unknownCriticalExtension, .revoked]))
        for reason in reasons {
            let (explanation, hint) = reason.words()
            #expect(!explanation.isEmpty && hint?.isEmpty == false, "\(reason)")
        }
        #expect(RejectionReason.certificate(.expired(authority: nil, date: Date(timeIntervalSince1970: 1_609_459_200))).words().explanation
                == "the client's certificate is not valid: it expired on 1 January 2021")
        #expect(RejectionReason.clientRejectedServer(alert: "record_overflow").words().hint?.contains("16 KB") == true)
        #expect(RejectionReason.resumedSessionRefused(.keyMismatch).words().explanation.contains("(key_mismatch)"))
        #expect(RejectionReason.noSharedCipher(.group).words().explanation.contains("key-exchange group"))
        #expect(RejectionReason.connectionLimit(limit: 900).words().explanation.contains("900 connections"))
        #expect(RejectionReason.alpnMissing(offered: []).words().explanation.contains("offered no ALPN protocol"))
        #expect(RejectionReason.alpnMissing(offered: ["h2"]).words().explanation.contains("offered ALPN h2 but neither"))
    }

    @Test("every certificate problem maps to one code and has a sentence and a hint, for verify and for an endpoint")
    func certificateProblems() {
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        let problems: [(CertificateProblem, RejectionReason.Code)] = [
            (.selfSigned(issuer: "\"Me\""), .unknownAuthority), (.unknownIssuer(issuer: "\"Other\"", authority: nil), .unknownAuthority),
            (.signatureMismatch(issuer: "\"Issuing\""), .brokenChain), (.unparseable, .brokenChain), (.expired(authority: "Issuing", date: date), .expired),
            (.notYetValid(authority: nil, date: date), .notYetValid), (.authorityAsLeaf(purpose: .client), .wrongPurpose),
            (.missingUsage(purpose: .client, usages: ["serverAuth"]), .wrongPurpose),
            (.nameMismatch(host: "x.test", isIP: false, wildcardNearMiss: false, names: ["DNS:y.test"]), .nameMismatch),
            (.unknownCriticalExtension(authority: nil, oids: ["1.2.3"]), .unknownCriticalExtension),
            (.nameConstraintViolation(detail: "outside"), .nameConstraintViolation), (.rfc5280(detail: "bad"), .brokenChain),
            (.revoked(authority: nil, date: date, crlReason: nil, by: "CN=Issuing", crlNumber: nil), .revoked), (.weakKey(bits: 1024), .weakKey),
        ]
        for (problem, code) in problems {
            #expect(RejectionReason.certificate(problem).code == code, "\(problem)")
            #expect(!problem.sentence.isEmpty && !problem.hint(for: nil).isEmpty, "\(problem)")
        }
        #expect(CertificateProblem.expired(authority: "Issuing", date: date).sentence.hasPrefix("its authority \"Issuing\" expired on"))
    }
}

extension ReasonCatalogTests {
    @Test("every broker reason has one row in docs/reasons.md, and every row is a broker reason")
    func brokerReasons() throws {
        try Self.expectTable("Broker reasons", lists: BrokerEvent.Reason.allCases.map(\.rawValue))
    }
}

@Suite("The OTA reasons and docs/reasons.md")
struct OTAReasonCatalogTests {
    @Test("every OTA reason the code can give has one row, and every row is one")
    func catalog() throws {
        try ReasonCatalogTests.expectTable("OTA reasons", lists: OTAReason.Code.allCases.map(\.rawValue))
    }

    @Test("every OTA reason has a sentence naming its facts; refusals have a hint")
    func words() {
        let reasons: [OTAReason] = [
            .updateOffered(identity: "device-001", running: "1.1.0", image: "app-v1.2.0.bin", version: "1.2.0", delivery: .redirect(status: 302),
                           lifetime: 300, fault: nil),
            .noUpdate(identity: "device-001", running: "1.2.0", image: "app-v1.2.0.bin"),
            .noImage(identity: "device-002", product: "app", imagesFolder: "firmware/", refusedBy: "app-v2.bin, denied by ota.targets[1]"),
            .noIdentity, .notAllowed(identity: "device-001", image: "app-v1.2.0.bin"),
            .downloaded(image: "app-v1.2.0.bin", bytes: 524_288, total: 1_048_576, seconds: 0.8, rangeStart: 524_288, head: false),
            .downloadInterrupted(image: "app-v1.2.0.bin", sent: 524_288, total: 1_048_576), .untrustedStoreAccepted(image: "app-v1.2.0.bin", bytes: 10),
            .downloadAborted(image: "app-v1.2.0.bin", sent: 1000, expected: 2000), .urlExpired(secondsAgo: 20), .urlNotYetValid(secondsAhead: 3600),
            .signatureMismatch, .methodNotSigned(method: "HEAD", signedFor: "GET"), .badQueryAuthentication(detail: "it lacks X-Amz-Date"),
            .unknownAccessKey("AKIA"), .twoAuthMechanisms, .headersNotSigned(["x-amz-meta-a"]), .anonymousRequest, .noSuchKey("x.bin"),
            .rangeNotSatisfiable(range: "bytes=9-", size: 4), .methodNotAllowed("PUT"),
        ]
        #expect(Set(reasons.map(\.code)) == Set(OTAReason.Code.allCases))
        for reason in reasons {
            let (explanation, hint) = reason.words
            #expect(!explanation.isEmpty, "\(reason)")
            if !reason.isSuccess { #expect(hint?.isEmpty == false, "\(reason) needs a hint") }
        }
        #expect(OTAReason.urlExpired(secondsAgo: 20).words.explanation.hasPrefix("URL expired 20 s ago"))
        #expect(OTAReason.downloaded(image: "app-v1.2.0.bin", bytes: 524_288, total: 1_048_576, seconds: 0.8, rangeStart: 524_288, head: false)
            .words.explanation == "download of app-v1.2.0.bin: 524,288 bytes in 0.80 s, resumed at 524,288")
        #expect(OTAReason.updateOffered(identity: "device-001", running: "1.1.0", image: "app-v1.2.0.bin", version: "1.2.0",
                                        delivery: .redirect(status: 302), lifetime: 300, fault: nil).words.explanation
            == "device-001 asked for an update (running 1.1.0); sent 1.2.0 (app-v1.2.0.bin) via a 302 redirect to a URL that expires in 300 s")
    }
}
