import Foundation
import PKILab
import PKILabEndpoints

/// One line per connection (and per HTTPS request), as `pkilab up` and `pkilab events` print them.
enum EventPrinter {
    static func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "HH:mm:ss"
        return formatter.string(from: date)
    }

    static func line(_ event: ConnectionEvent) -> String {
        let prefix = "\(time(event.time)) \(event.endpoint.padding(toLength: 6, withPad: " ", startingAt: 0)) \(event.peer.padding(toLength: 22, withPad: " ", startingAt: 0))"
        let indent = String(repeating: " ", count: prefix.count + 1)
        var text: String
        if event.outcome == .accepted {
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
        return "\(time(request.time)) https  \(request.peer.padding(toLength: 22, withPad: " ", startingAt: 0))   \(who) \(request.method) \(request.path) \(request.status)"
    }
}
