/// Why a connection to a lab endpoint failed, as a stable code (the raw value, used in JSON events, tests and
/// the README) with the sentence and hint a person reads.
public enum RejectionReason: String, Sendable, Hashable, Codable, CaseIterable {
    case noClientCertificate = "no_client_certificate"
    case unknownAuthority = "unknown_authority"
    case expired
    case notYetValid = "not_yet_valid"
    case missingIntermediate = "missing_intermediate"
    case wrongPurpose = "wrong_purpose"
    case brokenChain = "broken_chain"
    case nameConstraintViolation = "name_constraint_violation"
    case revoked
    case weakKey = "weak_key"
    case notATLSClient = "not_a_tls_client"
    case protocolVersion = "protocol_version"
    case noSharedCipher = "no_shared_cipher"
    case clientRejectedServer = "client_rejected_server"
    case handshakeTimeout = "handshake_timeout"
    case peerClosed = "peer_closed"
    case handshakeFailed = "handshake_failed"
    /// A certificate (the leaf or an authority on its path) carries a critical extension the check does not
    /// process; RFC 5280 §4.2 says to refuse it.
    case unknownCriticalExtension = "unknown_critical_extension"
    /// The client's signature over the handshake (CertificateVerify) does not verify with the public key of the
    /// certificate it sent: the certificate and the private key it holds do not belong together.
    case keyMismatch = "key_mismatch"
    /// A resumed TLS session whose certificate no longer passes the check (revoked, expired, no longer
    /// trusted since the session was made); the event's detail names the reason it fails now.
    case resumedSessionRefused = "resumed_session_refused"
    /// A path under `/files/` resolves (through a symbolic link) outside the `files:` folder: refused with 403.
    case fileOutsideFolder = "file_outside_folder"
    /// A file under `/files/` holds a private key (PEM or DER): refused with 403, wherever it lies.
    case privateKeyRefused = "private_key_refused"
    /// The lab already holds `endpoints.max_connections` connections: the new one is closed at once.
    case connectionLimit = "connection_limit"
    /// One client address already holds `endpoints.max_connections_per_address` connections.
    case addressConnectionLimit = "address_connection_limit"
    /// One client certificate already holds `endpoints.max_connections_per_client` TLS connections.
    case clientConnectionLimit = "client_connection_limit"

    /// The reason a certificate check gives for a client certificate.
    public init(_ reason: ChainVerdict.Reason) {
        switch reason {
        case .expired, .authorityExpired: self = .expired
        case .notYetValid: self = .notYetValid
        case .unknownAuthority: self = .unknownAuthority
        case .brokenChain: self = .brokenChain
        case .nameMismatch, .wrongPurpose: self = .wrongPurpose
        case .nameConstraintViolation: self = .nameConstraintViolation
        case .revoked: self = .revoked
        case .weakKey: self = .weakKey
        case .unknownCriticalExtension: self = .unknownCriticalExtension
        }
    }
}
