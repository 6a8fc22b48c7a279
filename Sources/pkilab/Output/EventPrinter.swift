import Foundation
#if canImport(Glibc)
import Glibc
#endif
import PKILab
import PKILabEndpoints

/// One line per connection (and per HTTPS request), as `pkilab up` and `pkilab events` print them.
enum EventPrinter {
    /// `12:01:07` in local time (strftime: a DateFormatter per line would cost more than the handshake's logging).
    static func time(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        localtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 16)
        strftime(&buffer, buffer.count, "%H:%M:%S", &parts)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func line(_ event: ConnectionEvent) -> String {
        let prefix = "\(time(event.time)) \(event.endpoint.padding(toLength: 6, withPad: " ", startingAt: 0)) \(event.peer.padding(toLength: 22, withPad: " ", startingAt: 0))"
        let indent = String(repeating: " ", count: prefix.count + 1)
        var text: String
        if let zoo = event.zoo {
            let mark = zoo.verdict.isFailure ? "✗ [\(zoo.verdict.rawValue)]" : zoo.verdict == .noRevocationCheck ? "! [no_revocation_check]" : "✓ [\(zoo.verdict.rawValue)]"
            text = "\(prefix) \(mark) \(event.explanation)"
            if let hint = event.hint { text += "\n\(indent)\(hint)" }
        } else if event.endpoint == "sntp" {
            text = "\(prefix) ✓ \(event.explanation)"
        } else if let mqtt = event.mqtt {
            let mark = switch event.outcome {
            case .accepted: "✓"
            case .rejected: "✗ \(mqtt.closed ? "closed" : "refused") [\(event.reason)]:"
            case .closed: "· closed [\(event.reason)]:"
            }
            let tls = event.tlsVersion.map { " (TLS\($0)\(event.cipher.map { " \($0)" } ?? ""))" } ?? ""
            text = "\(prefix) \(mark) \(event.explanation)" + (event.outcome == .accepted ? tls : "")
            if let hint = event.hint { text += "\n\(indent)\(hint)" }
        } else if event.outcome == .accepted {
            var who = "(no client certificate)"
            if let client = event.client {
                let issuer = client.chain.dropFirst().first.map { subject in
                    subject.split(separator: ",").first { $0.hasPrefix("CN=") }.map { String($0.dropFirst(3)) } ?? subject
                } ?? client.issuer
                who = "\(client.commonName ?? client.subject) (issued by \(issuer))"
            }
            let tls = [event.tlsVersion.map { "TLS\($0)" }, event.alpn, event.cipher].compactMap { $0 }.joined(separator: " ")
            text = "\(prefix) ✓ \(who) \(tls)" + (event.resumed == true ? " resumed" : "")
        } else {
            text = "\(prefix) ✗ rejected [\(event.reason)]: \(event.explanation)"
            if let hint = event.hint { text += "\n\(indent)\(hint)" }
        }
        for note in event.notes { text += "\n\(indent)note: \(note)" }
        return text
    }

    static func line(_ request: RequestRecord) -> String {
        let who = request.client ?? "-"
        return "\(time(request.time)) \(request.endpoint.padding(toLength: 6, withPad: " ", startingAt: 0)) \(request.peer.padding(toLength: 22, withPad: " ", startingAt: 0))   \(who) \(request.method) \(request.path) \(request.status)"
    }
}
