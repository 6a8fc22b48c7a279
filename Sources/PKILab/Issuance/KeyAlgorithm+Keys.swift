import Crypto
import _CryptoExtras
import X509

extension KeyAlgorithm {
    /// A fresh private key of this kind.
    public func generate() throws -> Certificate.PrivateKey {
        switch self {
        case .ecP256: Certificate.PrivateKey(P256.Signing.PrivateKey())
        case .ecP384: Certificate.PrivateKey(P384.Signing.PrivateKey())
        case .rsa2048: Certificate.PrivateKey(try _RSA.Signing.PrivateKey(keySize: .bits2048))
        case .rsa3072: Certificate.PrivateKey(try _RSA.Signing.PrivateKey(keySize: .bits3072))
        case .rsa4096: Certificate.PrivateKey(try _RSA.Signing.PrivateKey(keySize: .bits4096))
        case .ed25519: Certificate.PrivateKey(Curve25519.Signing.PrivateKey())
        }
    }

    /// The algorithm a certificate signed by a key of this kind uses: SHA-256, or SHA-384 for P-384 issuers.
    public var signatureAlgorithm: Certificate.SignatureAlgorithm {
        switch self {
        case .ecP256: .ecdsaWithSHA256
        case .ecP384: .ecdsaWithSHA384
        case .rsa2048, .rsa3072, .rsa4096: .sha256WithRSAEncryption
        case .ed25519: .ed25519
        }
    }

    /// The kind of an existing public key, or nil when pkilab does not make such keys.
    public init?(_ publicKey: Certificate.PublicKey) {
        if P256.Signing.PublicKey(publicKey) != nil {
            self = .ecP256
        } else if P384.Signing.PublicKey(publicKey) != nil {
            self = .ecP384
        } else if Curve25519.Signing.PublicKey(publicKey) != nil {
            self = .ed25519
        } else if let rsa = _RSA.Signing.PublicKey(publicKey) {
            switch rsa.keySizeInBits {
            case 2048: self = .rsa2048
            case 3072: self = .rsa3072
            case 4096: self = .rsa4096
            default: return nil
            }
        } else {
            return nil
        }
    }
}
