import Foundation

/// What is revoked in a store, per authority, and the number of the last CRL each authority signed:
/// `ca/crl/revocations.json`. The CRLs beside it are made from this file.
public struct RevocationLedger: Codable, Sendable, Hashable {
    /// One revoked certificate.
    public struct Revoked: Codable, Sendable, Hashable {
        /// The name it had in the lab (`device-001`, `zoo/revoked`, …).
        public var name: String
        /// Its serial as lower-case hex, as `pkilab show` prints it.
        public var serial: String
        public var reason: RevocationReason
        public var revokedAt: Date
        /// Revoked by the zoo on purpose (its `revoked` server and client), not by `pkilab revoke`.
        public var zoo: Bool

        public init(name: String, serial: String, reason: RevocationReason, revokedAt: Date, zoo: Bool = false) {
            self.name = name
            self.serial = serial
            self.reason = reason
            self.revokedAt = revokedAt
            self.zoo = zoo
        }
    }

    /// One authority's list.
    public struct Authority: Codable, Sendable, Hashable {
        /// The number of the last CRL written (RFC 5280 §5.2.3: it only grows).
        public var crlNumber: Int
        public var thisUpdate: Date?
        public var nextUpdate: Date?
        /// The SHA-256 fingerprint of the authority certificate that signed the last CRL.
        public var signer: String?
        public var revoked: [Revoked]

        public init(crlNumber: Int = 0, thisUpdate: Date? = nil, nextUpdate: Date? = nil, signer: String? = nil, revoked: [Revoked] = []) {
            self.crlNumber = crlNumber
            self.thisUpdate = thisUpdate
            self.nextUpdate = nextUpdate
            self.signer = signer
            self.revoked = revoked
        }
    }

    public var authorities: [String: Authority]

    public init(authorities: [String: Authority] = [:]) {
        self.authorities = authorities
    }

    /// Every revoked certificate, with the authority that revoked it.
    public var all: [(authority: String, revoked: Revoked)] {
        authorities.keys.sorted().flatMap { name in authorities[name]!.revoked.map { (name, $0) } }
    }

    static func load(from path: String) throws(StoreError) -> RevocationLedger {
        try StoreJSON.load(RevocationLedger.self, from: path) { error in
            StoreError(.cannotRead, "\"\(path)\" cannot be read: \(error)",
                       hint: "restore it from a backup, or delete it to start the revocation lists afresh (every revocation in it is then lifted)")
        } ?? RevocationLedger()
    }

    func encoded() -> [UInt8] {
        StoreJSON.encoded(self)
    }
}
