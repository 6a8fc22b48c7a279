import Foundation
import PKILab
import PKILabTestSupport
import Testing

/// A CN that tries to forge a log line, recolour the terminal, return the carriage, ring the bell and reverse
/// the text after it.
private let forgedCN = "evil\n13:00:00 https ok ✓ admin\u{1B}[31mRED\r\u{07}\u{202E}desrever\u{2028}X"

@Suite("Log injection: what a peer sends is escaped on the console of pkilab up and in pkilab events", .serialized, .timeLimit(.minutes(3)))
struct LogInjectionTests {
    /// Characters no line of human output may carry raw (the line feeds between lines excepted).
    static func rawControls(in text: String) -> [String] {
        text.unicodeScalars.filter { scalar in
            switch scalar.value {
            case 0x0A: false
            case 0x00...0x1F, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: true
            default: false
            }
        }.map { String(format: "U+%04X", $0.value) }
    }

    static func expectEscaped(_ output: String, _ what: String) {
        #expect(rawControls(in: output).isEmpty, "\(what) carries raw control characters: \(rawControls(in: output))")
        for escaped in ["evil\\n13:00:00 https ok ✓ admin\\x1B[31mRED\\r\\x07\\u202Edesrever\\u2028X"] {
            #expect(output.contains(escaped), "\(what) shows the escaped CN \(escaped):\n\(output)")
        }
        let forged = output.split(separator: "\n").filter { $0.hasPrefix("13:00:00 https ok") }
        #expect(forged.isEmpty, "\(what) has a forged line: \(forged)")
    }

    @Test("openssl s_client with a self-signed certificate whose CN holds a line break, ESC, CR, BEL and bidi controls")
    func forgedSubject() throws {
        let scratch = try Scratch(lab: Scratch.lab())
        defer { scratch.remove() }
        let made = try Run.program("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                                               "-keyout", "evil.key", "-out", "evil.pem", "-utf8", "-subj", "/CN=\(forgedCN)"], cwd: scratch.path)
        #expect(made.status == 0, "\(made)")
        let subject = try Run.program("openssl", ["x509", "-in", "evil.pem", "-noout", "-subject", "-nameopt", "utf8,-esc_ctrl,-esc_msb"], cwd: scratch.path)
        #expect(subject.stdout.contains("\u{1B}[31m"), "the certificate really carries the raw bytes: \(subject)")

        let lab = try LabProcess(scratch: scratch)
        defer { lab.stop() }
        let client = try Run.program("openssl", ["s_client", "-connect", "127.0.0.1:\(lab.echoPort)", "-servername", "localhost", "-CAfile", "ca/root.pem",
                                                 "-cert", "evil.pem", "-key", "evil.key"], cwd: scratch.path, timeout: 30)
        let event = lab.waitForEvent { $0.explanation.contains("evil") }
        #expect(event?.outcome == .rejected && event?.reason == "unknown_authority", "\(String(describing: event))\n\(client)\n\(lab.output.string)")
        #expect(event?.explanation.contains(forgedCN) == true, "events.jsonl keeps the subject exactly (JSON-escaped): \(String(describing: event))")
        #expect(lab.stop() == 0)
        Self.expectEscaped(lab.output.string, "the console of pkilab up")

        let events = try Pkilab.run(["events"], in: scratch.path)
        #expect(events.status == 0, "\(events)")
        Self.expectEscaped(events.stdout + events.stderr, "pkilab events")
        let json = try Pkilab.run(["events", "--json"], in: scratch.path)
        #expect(Self.rawControls(in: json.stdout).isEmpty, "events --json: every control character is a JSON \\u escape")
        let decoded = json.stdout.split(separator: "\n").compactMap { ConnectionEvent.decode(jsonLine: String($0)) }
        #expect(decoded.contains { $0.explanation.contains(forgedCN) }, "and the JSON still decodes to the exact subject: \(json)")

        let show = try Pkilab.run(["show", "evil.pem"], in: scratch.path)
        #expect(Self.rawControls(in: show.stdout + show.stderr).isEmpty && show.stdout.contains("evil\\n13:00:00"), "\(show)")
    }
}
