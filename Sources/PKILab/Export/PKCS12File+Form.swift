import SwiftASN1

extension PKCS12File {
    /// SHA-1 (`1.3.14.3.2.26`): the MAC digest of the legacy 3DES form; the modern form uses SHA-256.
    static let sha1 = try! ASN1ObjectIdentifier(dotRepresentation: "1.3.14.3.2.26")

    /// Whether `bytes` is the legacy form (a SHA-1 MAC, as `--legacy` writes it), read from
    /// `PFX ::= SEQUENCE { version, authSafe, macData SEQUENCE { mac DigestInfo { AlgorithmIdentifier, digest }, … } }`;
    /// nil when the file has no MAC or does not parse.
    static func isLegacy(_ bytes: [UInt8]) -> Bool? {
        guard let pfx = try? DER.parse(bytes), case .constructed(let parts) = pfx.content else { return nil }
        let nodes = Array(parts)
        guard nodes.count >= 3, case .constructed(let macData) = nodes[2].content,
              let digestInfo = macData.first(where: { _ in true }), case .constructed(let digestParts) = digestInfo.content,
              let algorithm = digestParts.first(where: { _ in true }), case .constructed(let algorithmParts) = algorithm.content,
              let oidNode = algorithmParts.first(where: { _ in true }),
              let oid = try? ASN1ObjectIdentifier(derEncoded: oidNode) else { return nil }
        return oid == sha1
    }

    /// Whether `bytes` can stay as it is for this export: it opens with `password`, holds `material`'s certificate,
    /// and is in the form asked for (legacy 3DES / SHA-1 MAC, or AES-256 / SHA-256 MAC).
    static func canKeep(_ bytes: [UInt8], password: String, material: ExportMaterial, legacy: Bool) -> Bool {
        isLegacy(bytes) == legacy && matches(bytes, password: password, material: material)
    }
}
