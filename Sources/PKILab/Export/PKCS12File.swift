import CPKILabOpenSSL

/// A `.p12` made by the system OpenSSL: modern (PBES2/PBKDF2/AES-256-CBC, SHA-256 MAC) or legacy (3DES, SHA-1
/// MAC) for older Java, Android and macOS.
enum PKCS12File {
    static func make(material: ExportMaterial, password: String, legacy: Bool) throws(StoreError) -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        var error = [CChar](repeating: 0, count: 256)
        let length = pkilab_pkcs12_create(material.leafPEM, material.key.pkcs8PEM, material.chainPEM, password, material.name,
                                          legacy ? 1 : 0, &out, &error, error.count)
        guard length > 0, let out else {
            throw StoreError(.cannotWrite, "OpenSSL could not make the PKCS#12 file: \(String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
        }
        defer { pkilab_pkcs12_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: length))
    }

    /// Whether `bytes` opens with `password` and holds exactly `material`'s certificate (to keep a re-export unchanged).
    static func matches(_ bytes: [UInt8], password: String, material: ExportMaterial) -> Bool {
        let leaf = material.leafDER
        return pkilab_pkcs12_matches(bytes, bytes.count, password, leaf, leaf.count) == 1
    }
}
