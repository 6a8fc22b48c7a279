import Foundation

/// The answer of ``ChainVerifier``: valid, or the one reason it is not, in a sentence.
public struct ChainVerdict: Sendable, Codable, Hashable {
    /// Why a certificate does not verify. The raw values are stable: scripts and tests match on them.
    public enum Reason: String, Sendable, Codable, Hashable {
        case expired
        case notYetValid = "not_yet_valid"
        case authorityExpired = "authority_expired"
        case unknownAuthority = "unknown_authority"
        case brokenChain = "broken_chain"
        case nameMismatch = "name_mismatch"
        case wrongPurpose = "wrong_purpose"
        case nameConstraintViolation = "name_constraint_violation"
        /// On its authority's CRL.
        case revoked
        /// An RSA key under 2048 bits (which swift-certificates will not even load).
        case weakKey = "weak_key"
        /// A critical extension the check does not process (RFC 5280 §4.2: such a certificate must be refused).
        case unknownCriticalExtension = "unknown_critical_extension"
    }

    public var valid: Bool
    public var reason: Reason?
    /// The facts of the failure (nil when valid); ``message`` and ``hint`` are made from them.
    public var problem: CertificateProblem?
    /// One sentence: why it failed, or what it is valid for.
    public var message: String
    /// What to do next, when it failed.
    public var hint: String?
    /// The chain found, leaf first, as subjects.
    public var chain: [String]

    private enum CodingKeys: String, CodingKey {
        case valid, reason, message, hint, chain
    }

    /// A failed check: the reason, sentence and hint come from `problem` (`RejectionReason+Words.swift`).
    /// - Parameters:
    ///   - leafName: the certificate's name as sentences quote it (`"device-001"`).
    ///   - chain: the path found, leaf first, as subjects.
    public init(failing problem: CertificateProblem, leafName: String, chain: [String]) {
        valid = false
        reason = problem.reason
        self.problem = problem
        message = "\(leafName) is not valid: \(problem.sentence)"
        hint = problem.hint(for: nil)
        self.chain = chain
    }

    /// A passed check, with the sentence saying what it is valid for.
    public init(validMessage: String, chain: [String]) {
        valid = true
        reason = nil
        problem = nil
        message = validMessage
        hint = nil
        self.chain = chain
    }
}
