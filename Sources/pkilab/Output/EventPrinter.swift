import Foundation
#if canImport(Glibc)
import Glibc
#endif
import PKILab
import PKILabEndpoints

/// One line per connection (and per HTTPS request), as `pkilab up` and `pkilab events` print them.
///
/// Every value that came from a peer or a certificate (subject, client id, topic, ALPN, path, and the
/// explanations and hints that quote them) is printed through ``TerminalText/escaped(_:keepingNewlines:)``:
/// a line break or escape sequence in a CN shows as `\n` or `\x1B`, and only the printer's own line breaks
/// (before a hint or note) start a new line.
///
/// The endpoint column is as wide as the longest endpoint name the printer was made for: names are never cut.
struct EventPrinter {
    /// The width of the endpoint column.
    let nameWidth: Int

    /// A printer whose endpoint column fits every one of `names` (at least 6 characters wide).
    init(names: some Sequence<String>) {
        nameWidth = names.reduce(6) { max($0, TerminalText.escaped($1).count) }
    }

    /// `text` followed by spaces up to `width` characters; longer text stays whole.
    static func padded(_ text: String, to width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// `12:01:07` in local time (strftime: a DateFormatter per line would cost more than the handshake's logging).
    static func time(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        localtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 16)
        strftime(&buffer, buffer.count, "%H:%M:%S", &parts)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func line(_ event: ConnectionEvent) -> String {
        let e = { (text: String) in TerminalText.escaped(text) }
        let prefix = "\(Self.time(event.time)) \(Self.padded(e(event.endpoint), to: nameWidth)) \(Self.padded(e(event.peer), to: 22))"
        let indent = String(repeating: " ", count: prefix.count + 1)
        var text: String
        if let zoo = event.zoo {
            let mark = zoo.verdict.isFailure ? "✗ [\(zoo.verdict.rawValue)]" : zoo.verdict == .noRevocationCheck ? "! [no_revocation_check]" : "✓ [\(zoo.verdict.rawValue)]"
            text = "\(prefix) \(mark) \(e(event.explanation))"
            if let hint = event.hint { text += "\n\(indent)\(e(hint))" }
        } else if event.ota != nil {
            let failed = event.outcome != .accepted || event.reason == OTAReason.Code.untrustedStoreAccepted.rawValue
            let mark = failed ? "✗ OTA [\(e(event.reason))]:" : "✓ OTA:"
            text = "\(prefix) \(mark) \(e(event.explanation))"
            if let hint = event.hint { text += "\n\(indent)\(e(hint))" }
        } else if event.endpoint == "sntp" {
            text = "\(prefix) ✓ \(e(event.explanation))"
        } else if let mqtt = event.mqtt {
            let mark = switch event.outcome {
            case .accepted: "✓"
            case .rejected: "✗ \(mqtt.closed ? "closed" : "refused") [\(e(event.reason))]:"
            case .closed: "· closed [\(e(event.reason))]:"
            }
            let tls = event.tlsVersion.map { " (TLS\(e($0))\(event.cipher.map { " \(e($0))" } ?? ""))" } ?? ""
            text = "\(prefix) \(mark) \(e(event.explanation))" + (event.outcome == .accepted ? tls : "")
            if let hint = event.hint { text += "\n\(indent)\(e(hint))" }
        } else if event.outcome == .accepted {
            var who = "(no client certificate)"
            if let client = event.client {
                let issuer = client.chain.dropFirst().first.map { subject in
                    subject.split(separator: ",").first { $0.hasPrefix("CN=") }.map { String($0.dropFirst(3)) } ?? subject
                } ?? client.issuer
                who = "\(e(client.commonName ?? client.subject)) (issued by \(e(issuer)))"
            }
            let tls = [event.tlsVersion.map { "TLS\($0)" }, event.alpn, event.cipher].compactMap { $0.map(e) }.joined(separator: " ")
            text = "\(prefix) ✓ \(who) \(tls)" + (event.resumed == true ? " resumed" : "")
        } else if event.outcome == .closed {
            // Not a refusal (a spare connection a browser left unused): said plainly, not in red.
            text = "\(prefix) · closed [\(e(event.reason))]: \(e(event.explanation))"
        } else {
            text = "\(prefix) ✗ rejected [\(e(event.reason))]: \(e(event.explanation))"
            if let hint = event.hint { text += "\n\(indent)\(e(hint))" }
        }
        for note in event.notes { text += "\n\(indent)note: \(e(note))" }
        return text
    }

    func line(_ request: RequestRecord) -> String {
        let e = { (text: String) in TerminalText.escaped(text) }
        let who = request.client.map(e) ?? "-"
        return "\(Self.time(request.time)) \(Self.padded(e(request.endpoint), to: nameWidth)) \(Self.padded(e(request.peer), to: 22))   \(who) \(e(request.method)) \(e(request.path)) \(request.status)"
    }
}
