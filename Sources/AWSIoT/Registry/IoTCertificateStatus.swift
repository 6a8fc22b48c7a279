/// A registered certificate's status in AWS IoT's registry (`UpdateCertificate`'s `newStatus`), and what a device
/// presenting it meets on connect.
public enum IoTCertificateStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// The only status that connects.
    case active = "ACTIVE"
    /// Deactivated by its owner: the TLS handshake completes and the connection is closed before CONNACK.
    case inactive = "INACTIVE"
    /// Revoked in the registry (not through a CRL, which AWS IoT does not read): as inactive, and it cannot be
    /// made active again.
    case revoked = "REVOKED"
    /// Registered by just-in-time registration and waiting for a rule or Lambda to activate it: closed before CONNACK.
    case pendingActivation = "PENDING_ACTIVATION"
    /// Offered to another account: closed before CONNACK.
    case pendingTransfer = "PENDING_TRANSFER"

    /// Whether a device with this certificate may connect at all.
    public var connects: Bool { self == .active }

    /// What AWS IoT does with a connection that presents a certificate with this status, as a clause.
    public var onConnect: String {
        switch self {
        case .active: "connects, then its policies decide"
        case .inactive: "completes the TLS handshake and is closed before CONNACK (UpdateCertificate --new-status ACTIVE lets it in)"
        case .revoked: "completes the TLS handshake and is closed before CONNACK, for good: a revoked certificate cannot be activated again"
        case .pendingActivation: "completes the TLS handshake and is closed before CONNACK until something activates it (just-in-time registration does, through a rule)"
        case .pendingTransfer: "completes the TLS handshake and is closed before CONNACK while the transfer to another account is pending"
        }
    }
}
