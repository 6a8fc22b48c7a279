/// A deliberately wrong server of the zoo: what is wrong with the certificate it presents, and what a device
/// that validates servers properly does with it.
public enum ZooServer: String, Sendable, Codable, Hashable, CaseIterable {
    case good
    case expired
    case notYetValid = "not-yet-valid"
    case wrongHost = "wrong-host"
    case selfSigned = "self-signed"
    case untrustedRoot = "untrusted-root"
    case incompleteChain = "incomplete-chain"
    case revoked
    case wrongPurpose = "wrong-purpose"
    case caAsLeaf = "ca-as-leaf"
    case weakRSA1024 = "weak-rsa-1024"
    case sha1Signature = "sha1-signature"
    case unknownCriticalExtension = "unknown-critical-extension"
    case nameConstraintViolation = "name-constraint-violation"
    case longChain = "long-chain"
    case hugeCertificate = "huge-certificate"

    /// What a device should do.
    public enum Expectation: String, Sendable, Codable, Hashable {
        /// Complete the handshake (the control).
        case accept
        /// Refuse the handshake.
        case refuse
        /// Refuse if it checks revocation (most devices do not; the report says so rather than fail it).
        case refuseIfCheckingRevocation = "refuse_if_checking_revocation"
        /// Either, as long as it survives: desktop stacks accept, small embedded stacks refuse.
        case either
    }

    /// The scenarios that also get an MQTT listener: the mistakes device MQTT code most often gets wrong.
    public static let mqttVariants: [ZooServer] = [.good, .expired, .wrongHost, .untrustedRoot, .incompleteChain, .revoked]

    public var expectation: Expectation {
        switch self {
        case .good: .accept
        case .revoked: .refuseIfCheckingRevocation
        case .longChain, .hugeCertificate: .either
        default: .refuse
        }
    }

    /// What is wrong, in one sentence.
    public var problem: String {
        switch self {
        case .good: "nothing: a correct server certificate under the lab root (the control)"
        case .expired: "the server certificate expired 30 days ago"
        case .notYetValid: "the server certificate becomes valid only in a year"
        case .wrongHost: "the server certificate is for wrong-host.invalid, not the name dialled"
        case .selfSigned: "the server certificate is self-signed, not issued by the lab"
        case .untrustedRoot: "the server certificate is issued by a foreign root the device does not trust"
        case .incompleteChain: "the server sends its certificate without the intermediate that issued it"
        case .revoked: "the server certificate is on the issuing authority's CRL (keyCompromise)"
        case .wrongPurpose: "the server certificate's extended key usage is clientAuth only, without serverAuth"
        case .caAsLeaf: "the server presents an authority certificate (CA:TRUE, path length 0, keyCertSign) as its own"
        case .weakRSA1024: "the server key is RSA-1024"
        case .sha1Signature: "the server certificate is signed with SHA-1"
        case .unknownCriticalExtension: "the server certificate has a critical extension nobody knows (OID 1.3.6.1.4.1.99999.1.1)"
        case .nameConstraintViolation: "the server certificate's names are outside its intermediate's name constraints (permitted: permitted.invalid)"
        case .longChain: "the chain has 10 intermediates between the server and the root"
        case .hugeCertificate: "the server certificate is about 30 KB (1,500 extra names)"
        }
    }

    /// What a device that validates servers properly does.
    public var expectedBehaviour: String {
        switch self {
        case .good: "complete the handshake"
        case .expired, .notYetValid: "refuse: certificate not valid at the current time (needs a set clock: SNTP)"
        case .wrongHost: "refuse: host name mismatch"
        case .selfSigned, .untrustedRoot: "refuse: unknown authority"
        case .incompleteChain: "refuse: unable to get the issuer of the certificate (the device has only the root)"
        case .revoked: "refuse if it checks the CRL (from the URL in the certificate or a file); most devices do not"
        case .wrongPurpose: "refuse: unsupported certificate purpose"
        case .caAsLeaf: "refuse: an authority certificate is not a server certificate (wolfSSL refuses; OpenSSL 3.0, mbedTLS 2.28 and BearSSL accept it)"
        case .weakRSA1024: "refuse: key too small (OpenSSL security level 2, AWS IoT)"
        case .sha1Signature: "refuse: SHA-1 signatures are not accepted"
        case .unknownCriticalExtension: "refuse: unhandled critical extension"
        case .nameConstraintViolation: "refuse: name constraints violated"
        case .longChain: "either: desktop stacks accept; mbedTLS (at most 8 intermediates) refuses; no crash either way"
        case .hugeCertificate: "either: stacks with small input buffers (mbedTLS 16 KB, BearSSL on ESP8266) refuse; no crash either way"
        }
    }

    /// What it means when a device completed the handshake with this server.
    public var acceptanceMeans: String {
        switch self {
        case .good: "the device trusts the lab root"
        case .expired, .notYetValid: "the device does not check certificate dates (ESP-IDF's default) or its clock is wrong"
        case .wrongHost: "the device does not check the server's name (mbedTLS without mbedtls_ssl_set_hostname, setInsecure)"
        case .selfSigned, .untrustedRoot: "the device does not check who issued the server certificate (verification off?)"
        case .incompleteChain: "the device found the intermediate elsewhere (it has it pinned or cached) or does not check the chain"
        case .revoked: "the device does not check revocation"
        case .wrongPurpose: "the device does not check the certificate's extended key usage (BearSSL does not)"
        case .caAsLeaf: "the device accepts an authority certificate as a server's (OpenSSL 3.0, mbedTLS 2.28 and BearSSL do)"
        case .weakRSA1024: "the device accepts RSA keys under 2048 bits"
        case .sha1Signature: "the device accepts SHA-1 signatures"
        case .unknownCriticalExtension: "the device ignores critical extensions it does not know"
        case .nameConstraintViolation: "the device does not check name constraints"
        case .longChain: "the device accepts long chains (fine)"
        case .hugeCertificate: "the device has buffers for big certificates (fine)"
        }
    }

    /// The verdict on one connection: whether the device did what it should. A client that completed the
    /// handshake with a bad server but closed without sending anything may have refused it only then (curl checks
    /// the host name after the handshake), so only sending data counts as accepting it.
    public func verdict(completedHandshake: Bool, sentData: Bool) -> ZooVerdict {
        switch (expectation, completedHandshake) {
        case (.either, _): return .observed
        case (.accept, true), (.refuse, false), (.refuseIfCheckingRevocation, false): return .correct
        case (.accept, false): return .wronglyRefused
        case (.refuse, true): return sentData ? .wronglyAccepted : .handshakeOnly
        case (.refuseIfCheckingRevocation, true): return sentData ? .noRevocationCheck : .handshakeOnly
        }
    }
}

/// How a device did against one zoo server.
public enum ZooVerdict: String, Sendable, Codable, Hashable {
    case correct
    /// It completed the handshake with a server it should have refused.
    case wronglyAccepted = "wrongly_accepted"
    /// It refused the good server: its trust setup is broken.
    case wronglyRefused = "wrongly_refused"
    /// It accepted a revoked server: it does not check revocation (common, reported but not failed).
    case noRevocationCheck = "no_revocation_check"
    /// Either outcome is acceptable (long chain, huge certificate).
    case observed
    /// It completed the handshake with a bad server and closed without sending anything: it may have refused the
    /// server after the handshake (curl checks the name then), or had nothing to send.
    case handshakeOnly = "handshake_only"

    /// Whether the report counts it as a failure.
    public var isFailure: Bool { self == .wronglyAccepted || self == .wronglyRefused }
}
