import Foundation
import X509

/// What a folder in the store holds: a certificate, a key, and whether they belong together.
struct StoredPair {
    var certificate: Certificate?
    var key: Certificate.PrivateKey?
    var certificatePEM: String?

    init(folder: String) {
        if let data = FileManager.default.contents(atPath: StoredFiles(folder: folder).certificate), let text = String(data: data, encoding: .utf8) {
            certificatePEM = text
            certificate = try? Certificate(pemEncoded: text)
        }
        if let data = FileManager.default.contents(atPath: StoredFiles(folder: folder).key), let text = String(data: data, encoding: .utf8) {
            key = try? Certificate.PrivateKey(pemEncoded: text)
        }
    }

    /// Both files are there and the key is the certificate's.
    var isPaired: Bool {
        guard let certificate, let key else { return false }
        return certificate.publicKey == key.publicKey
    }

    var issued: IssuedCertificate? {
        guard isPaired, let certificate, let key else { return nil }
        return IssuedCertificate(certificate: certificate, privateKey: key)
    }
}

extension Certificate {
    /// Whether `issuer` signed this certificate (names match and the signature verifies with its key).
    func isIssued(by issuer: Certificate) -> Bool {
        self.issuer == issuer.subject && issuer.publicKey.isValidSignature(signature, for: self)
    }

    /// Whether less than a tenth of the certificate's lifetime is left at `now`.
    func isNearExpiry(at now: Date) -> Bool {
        let lifetime = notValidAfter.timeIntervalSince(notValidBefore)
        return notValidAfter.timeIntervalSince(now) < lifetime / 10
    }
}
