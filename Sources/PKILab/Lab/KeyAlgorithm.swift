/// The kind of key pair a certificate is issued for.
public enum KeyAlgorithm: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case ecP256 = "ec-p256"
    case ecP384 = "ec-p384"
    case rsa2048 = "rsa-2048"
    case rsa3072 = "rsa-3072"
    case rsa4096 = "rsa-4096"
    case ed25519

    /// How a person would say it: `EC P-256`, `RSA 2048`, `Ed25519`.
    public var description: String {
        switch self {
        case .ecP256: "EC P-256"
        case .ecP384: "EC P-384"
        case .rsa2048: "RSA 2048"
        case .rsa3072: "RSA 3072"
        case .rsa4096: "RSA 4096"
        case .ed25519: "Ed25519"
        }
    }

    /// Whether this is an RSA key, which also needs `keyEncipherment` in a leaf's key usage.
    public var isRSA: Bool {
        switch self {
        case .rsa2048, .rsa3072, .rsa4096: true
        default: false
        }
    }
}
