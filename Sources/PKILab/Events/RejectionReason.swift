import Foundation

/// Why a connection to a lab endpoint was refused (or ended without being used), with the facts its words need:
/// the certificate problem, the alert the client sent, the versions it offered, the cap it hit.
///
/// ``code`` is the stable name in JSON events, tests and docs/reasons.md; the sentence and hint a person reads
/// are made in one place, `RejectionReason+Words.swift`.
public enum RejectionReason: Sendable, Hashable {
    /// The client sent no certificate where one is required.
    case noClientCertificate
    /// pkilab's check refused the client's certificate.
    case certificate(CertificateProblem)
    /// The client sent its leaf without the intermediates named (`client_chain: require`).
    case missingIntermediate(missing: [String])
    /// The client's signature over the handshake (CertificateVerify) does not verify with the public key of the
    /// certificate it sent: the certificate and the private key it holds do not belong together.
    case keyMismatch
    /// A resumed TLS session whose certificate no longer passes the check; the inner reason is why it fails now.
    indirect case resumedSessionRefused(RejectionReason)
    /// The first bytes are not a TLS ClientHello (`firstBytes` printable when they were read, `plainHTTP` when
    /// they look like HTTP); `httpsURL` is what an HTTP client should use instead, on the HTTPS endpoint.
    case notATLSClient(firstBytes: String?, plainHTTP: Bool, httpsURL: String?)
    /// No TLS version in common; the versions the client offered, newest first.
    case protocolVersion(offered: [String])
    /// No cipher suite, key-exchange group or signature algorithm in common.
    case noSharedCipher(NoSharedParameter)
    /// The client refused the server with a fatal TLS alert (its name, `unknown_ca`, …).
    case clientRejectedServer(alert: String)
    /// The handshake did not finish within `seconds`.
    case handshakeTimeout(seconds: Int)
    /// The client hung up during the handshake without an alert, before it had the server's whole first flight or
    /// after it had started answering it.
    case peerClosed
    /// The client read the server's first flight and closed without a word (no certificate, no alert): a
    /// speculative connection left unused (Chromium opens them), or a client that gave up silently. Not a refusal.
    case closedUnused
    /// The handshake failed for a reason the library gives and pkilab does not recognise (its name).
    case handshakeFailed(library: String)
    /// A `/files/` path leads (through a symbolic link) to `real`, outside the `files:` folder: refused with 403.
    case fileOutsideFolder(path: String, real: String, folder: String)
    /// A `/files/` path holds a private key (`key` says which kind, PEM or DER): refused with 403.
    case privateKeyRefused(path: String, key: String)
    /// The lab already holds `limit` connections (`endpoints.max_connections`).
    case connectionLimit(limit: Int)
    /// One client address already holds `limit` connections (`endpoints.max_connections_per_address`).
    case addressConnectionLimit(limit: Int)
    /// One client certificate already holds `limit` TLS connections (`endpoints.max_connections_per_client`).
    case clientConnectionLimit(limit: Int)
    /// TLS completed on an ALPN-dispatching AWS port (443) without `x-amzn-mqtt-ca` or `x-amzn-http-ca` being
    /// negotiated: the client offered no ALPN (`offered` empty) or only these other protocols. AWS takes such a
    /// connection for WebSocket/SigV4 or a custom authorizer and never answers an MQTT CONNECT on it; so does the lab.
    case alpnMissing(offered: [String])

    /// What the client and the endpoint had nothing in common of.
    public enum NoSharedParameter: String, Sendable, Hashable {
        /// Cipher suites (or the library did not say which).
        case cipher
        /// Key-exchange groups (curves): `-groups X448` against a server without X448.
        case group
        /// Signature algorithms for the server's key.
        case signatureAlgorithm
    }

    /// The stable codes, as events, tests and docs/reasons.md spell them.
    public enum Code: String, Sendable, Hashable, Codable, CaseIterable {
        case noClientCertificate = "no_client_certificate"
        case unknownAuthority = "unknown_authority"
        case expired
        case notYetValid = "not_yet_valid"
        case missingIntermediate = "missing_intermediate"
        case wrongPurpose = "wrong_purpose"
        case nameMismatch = "name_mismatch"
        case brokenChain = "broken_chain"
        case nameConstraintViolation = "name_constraint_violation"
        case unknownCriticalExtension = "unknown_critical_extension"
        case revoked
        case weakKey = "weak_key"
        case keyMismatch = "key_mismatch"
        case resumedSessionRefused = "resumed_session_refused"
        case notATLSClient = "not_a_tls_client"
        case protocolVersion = "protocol_version"
        case noSharedCipher = "no_shared_cipher"
        case clientRejectedServer = "client_rejected_server"
        case handshakeTimeout = "handshake_timeout"
        case peerClosed = "peer_closed"
        case closedUnused = "closed_unused"
        case handshakeFailed = "handshake_failed"
        case fileOutsideFolder = "file_outside_folder"
        case privateKeyRefused = "private_key_refused"
        case connectionLimit = "connection_limit"
        case addressConnectionLimit = "address_connection_limit"
        case clientConnectionLimit = "client_connection_limit"
        case alpnMissing = "alpn_missing"
    }

    /// The stable code of this reason.
    public var code: Code {
        switch self {
        case .noClientCertificate: .noClientCertificate
        case .certificate(let problem): Code(problem.reason)
        case .missingIntermediate: .missingIntermediate
        case .keyMismatch: .keyMismatch
        case .resumedSessionRefused: .resumedSessionRefused
        case .notATLSClient: .notATLSClient
        case .protocolVersion: .protocolVersion
        case .noSharedCipher: .noSharedCipher
        case .clientRejectedServer: .clientRejectedServer
        case .handshakeTimeout: .handshakeTimeout
        case .peerClosed: .peerClosed
        case .closedUnused: .closedUnused
        case .handshakeFailed: .handshakeFailed
        case .fileOutsideFolder: .fileOutsideFolder
        case .privateKeyRefused: .privateKeyRefused
        case .connectionLimit: .connectionLimit
        case .addressConnectionLimit: .addressConnectionLimit
        case .clientConnectionLimit: .clientConnectionLimit
        case .alpnMissing: .alpnMissing
        }
    }

    /// Whether the connection was refused; false for a connection that simply ended unused.
    public var isRefusal: Bool { self != .closedUnused }
}

extension RejectionReason.Code {
    /// The code a certificate check's reason is told with (an authority that expired is `expired` too).
    public init(_ reason: ChainVerdict.Reason) {
        switch reason {
        case .expired, .authorityExpired: self = .expired
        case .notYetValid: self = .notYetValid
        case .unknownAuthority: self = .unknownAuthority
        case .brokenChain: self = .brokenChain
        case .nameMismatch: self = .nameMismatch
        case .wrongPurpose: self = .wrongPurpose
        case .nameConstraintViolation: self = .nameConstraintViolation
        case .revoked: self = .revoked
        case .weakKey: self = .weakKey
        case .unknownCriticalExtension: self = .unknownCriticalExtension
        }
    }
}
