import Foundation
import Synchronization

/// The console's secrets: the teacher's token (anything that changes state needs it) and the one-time kit links
/// the teacher hands out.
///
/// A link works once, for one identity's kit, for ``lifetime``; asking for a new link for the same identity
/// replaces the old one. Nothing here is written to disk: a restarted lab has a new token and no links.
final class ConsoleTickets: Sendable {
    /// How long a one-time link works.
    static let lifetime: TimeInterval = 3_600

    /// The teacher's token: 128 random bits as 32 hex digits.
    let token: String
    private let links = Mutex<[String: (identity: String, expires: Date)]>([:])

    init(token: String = ConsoleTickets.random()) {
        self.token = token
    }

    /// Whether `presented` is the token, compared in constant time.
    func isTeacher(_ presented: String?) -> Bool {
        guard let presented, presented.utf8.count == token.utf8.count else { return false }
        return zip(presented.utf8, token.utf8).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// A new one-time ticket for `identity`'s kit (the previous one for it stops working).
    func issue(for identity: String, now: Date = Date()) -> String {
        let ticket = Self.random()
        links.withLock { links in
            links = links.filter { $0.value.identity != identity && $0.value.expires > now }
            links[ticket] = (identity, now.addingTimeInterval(Self.lifetime))
        }
        return ticket
    }

    /// Uses up `ticket` if it is a live link to `identity`'s kit; false otherwise (and then it is left as it was).
    func redeem(_ ticket: String, for identity: String, now: Date = Date()) -> Bool {
        links.withLock { links in
            guard let link = links[ticket], link.identity == identity, link.expires > now else { return false }
            links.removeValue(forKey: ticket)
            return true
        }
    }

    /// 128 bits from the system's random source, as hex.
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}
