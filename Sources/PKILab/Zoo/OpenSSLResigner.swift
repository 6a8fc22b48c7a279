import CPKILabOpenSSL

/// The zoo's certificates that swift-certificates will not sign (SHA-1, RSA-1024), re-signed by the system
/// OpenSSL (libssl-dev).
enum OpenSSLResigner {
    /// `der` re-signed by `issuerKeyPEM` with `digest`; with `newRSABits`, first given a new RSA key of that
    /// size, returned as PKCS#8 PEM.
    static func resign(_ der: [UInt8], issuerKeyPEM: String, digest: String, newRSABits: Int = 0) throws(StoreError) -> (der: [UInt8], keyPEM: String?) {
        var out: UnsafeMutablePointer<UInt8>?
        var key: UnsafeMutablePointer<CChar>?
        var error = [CChar](repeating: 0, count: 256)
        let length = pkilab_x509_resign(der, der.count, issuerKeyPEM, digest, Int32(newRSABits), &out, &key, &error, error.count)
        defer {
            pkilab_resign_free(out)
            pkilab_resign_free(key)
        }
        guard length > 0, let out else {
            throw StoreError(.cannotWrite, "OpenSSL could not make a zoo certificate: \(String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
        }
        return (Array(UnsafeBufferPointer(start: out, count: length)), key.map { String(cString: $0) })
    }
}
