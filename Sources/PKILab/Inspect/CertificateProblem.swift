import Foundation

/// Why a certificate fails pkilab's check, as facts: the authority, the date, the names involved. The words a
/// person reads are made from these in one place, `RejectionReason+Words.swift`, for `pkilab verify` and for
/// the endpoints alike.
public enum CertificateProblem: Sendable, Hashable {
    /// The certificate on the path whose issuer is unknown is self-signed (`issuer` is its own name).
    case selfSigned(issuer: String)
    /// Issued by `issuer`, an authority the lab does not know; `authority` names the certificate on the path that
    /// claims it (nil: the leaf itself).
    case unknownIssuer(issuer: String, authority: String?)
    /// It names `issuer`, but that authority's key did not sign it (the authority was replaced).
    case signatureMismatch(issuer: String)
    /// The bytes the client sent do not parse as a certificate.
    case unparseable
    /// It (`authority` nil) or an authority on its path expired on `date`.
    case expired(authority: String?, date: Date)
    /// It (`authority` nil) or an authority on its path is valid only from `date`.
    case notYetValid(authority: String?, date: Date)
    /// An authority certificate used as a leaf for `purpose`.
    case authorityAsLeaf(purpose: ChainVerifier.Purpose)
    /// Its extended key usage lists `usages`, without the one `purpose` needs.
    case missingUsage(purpose: ChainVerifier.Purpose, usages: [String])
    /// `host` (an IP address when `isIP`) is not among `names`; `wildcardNearMiss` when a wildcard almost covers it.
    case nameMismatch(host: String, isIP: Bool, wildcardNearMiss: Bool, names: [String])
    /// It (`authority` nil) or an authority on its path carries critical extensions (`oids`) the check does not process.
    case unknownCriticalExtension(authority: String?, oids: [String])
    /// One of its names lies outside an authority's name constraints (swift-certificates' words in `detail`).
    case nameConstraintViolation(detail: String)
    /// swift-certificates' RFC 5280 verifier refused it for a reason the checks above did not find.
    case rfc5280(detail: String)
    /// It (`authority` nil) or an authority on its path is on its issuer's CRL.
    case revoked(authority: String?, date: Date, crlReason: String?, by: String, crlNumber: String?)
    /// An RSA key of `bits` bits (under 2048).
    case weakKey(bits: Int)

    /// The stable code `pkilab verify --json` and scripts match on.
    public var reason: ChainVerdict.Reason {
        switch self {
        case .selfSigned, .unknownIssuer: .unknownAuthority
        case .signatureMismatch, .unparseable, .rfc5280: .brokenChain
        case .expired(let authority, _): authority == nil ? .expired : .authorityExpired
        case .notYetValid: .notYetValid
        case .authorityAsLeaf, .missingUsage: .wrongPurpose
        case .nameMismatch: .nameMismatch
        case .unknownCriticalExtension: .unknownCriticalExtension
        case .nameConstraintViolation: .nameConstraintViolation
        case .revoked: .revoked
        case .weakKey: .weakKey
        }
    }
}
