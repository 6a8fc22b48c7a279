/// A client identity of the zoo that every server must refuse, and the reason the lab's own endpoints give.
public enum ZooClient: String, Sendable, Codable, Hashable, CaseIterable {
    case expired
    case notYetValid = "not-yet-valid"
    case foreignCA = "foreign-ca"
    case selfSigned = "self-signed"
    case serverOnlyEKU = "server-only-eku"
    case revoked
    case weakKey = "weak-key"

    /// The reason code the lab's endpoints refuse it with.
    public var expectedReason: RejectionReason.Code {
        switch self {
        case .expired: .expired
        case .notYetValid: .notYetValid
        case .foreignCA, .selfSigned: .unknownAuthority
        case .serverOnlyEKU: .wrongPurpose
        case .revoked: .revoked
        case .weakKey: .weakKey
        }
    }

    /// What is wrong, in one sentence.
    public var problem: String {
        switch self {
        case .expired: "the client certificate expired 30 days ago"
        case .notYetValid: "the client certificate becomes valid only in a year"
        case .foreignCA: "the client certificate is issued by a foreign root"
        case .selfSigned: "the client certificate is self-signed"
        case .serverOnlyEKU: "the client certificate's extended key usage is serverAuth only"
        case .revoked: "the client certificate is on the issuing authority's CRL (keyCompromise)"
        case .weakKey: "the client key is RSA-1024"
        }
    }
}
