/// Why a certificate was revoked: RFC 5280 §5.3.1 CRLReason, with the names `openssl crl -text` prints.
public enum RevocationReason: String, Sendable, Codable, Hashable, CaseIterable {
    case unspecified
    case keyCompromise
    case caCompromise = "cACompromise"
    case affiliationChanged
    case superseded
    case cessationOfOperation
    case certificateHold
    case privilegeWithdrawn
    case aaCompromise = "aACompromise"

    /// The ENUMERATED value in the CRL entry's reasonCode extension (7 is unused, 8 is removeFromCRL).
    public var code: UInt8 {
        switch self {
        case .unspecified: 0
        case .keyCompromise: 1
        case .caCompromise: 2
        case .affiliationChanged: 3
        case .superseded: 4
        case .cessationOfOperation: 5
        case .certificateHold: 6
        case .privilegeWithdrawn: 9
        case .aaCompromise: 10
        }
    }

    public init?(code: UInt8) {
        guard let reason = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = reason
    }

    /// Accepts the RFC names case-insensitively, and `key-compromise` style too.
    public init?(parsing text: String) {
        let folded = text.lowercased().replacingOccurrences(of: "-", with: "").replacingOccurrences(of: "_", with: "")
        guard let reason = Self.allCases.first(where: { $0.rawValue.lowercased() == folded }) else { return nil }
        self = reason
    }
}
