import Foundation
import SwiftASN1
import X509

/// What a certificate says, in the words and forms people look for: the fields of `pkilab show` and
/// `pkilab ls --json`.
public struct CertificateDescription: Sendable, Codable, Hashable {
    public var subject: String
    public var commonName: String?
    public var issuer: String
    public var serial: String
    public var fingerprintSHA256: String
    public var notBefore: Date
    public var notAfter: Date
    public var key: String
    public var signatureAlgorithm: String
    public var isAuthority: Bool
    public var pathLength: Int?
    /// `DNS:localhost`, `IP:127.0.0.1`, …
    public var names: [String]
    /// `serverAuth`, `clientAuth`, …
    public var extendedKeyUsage: [String]
    public var keyUsage: [String]
    public var nameConstraints: String?
    public var subjectKeyIdentifier: String?
    public var authorityKeyIdentifier: String?
    public var selfSigned: Bool

    /// The first certificate of the PEM file at `path`; nil when it cannot be read or parsed.
    public init?(pemFile path: String) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), let certificate = try? Certificate(pemEncoded: text) else { return nil }
        self.init(certificate)
    }

    public init(_ certificate: Certificate) {
        subject = certificate.subject.description
        commonName = certificate.subject.commonName
        issuer = certificate.issuer.description
        serial = certificate.serialNumber.hexString
        fingerprintSHA256 = (try? certificate.sha256Fingerprint) ?? ""
        notBefore = certificate.notValidBefore
        notAfter = certificate.notValidAfter
        key = KeyAlgorithm(certificate.publicKey)?.description ?? "unknown"
        signatureAlgorithm = Self.describe(certificate.signatureAlgorithm)
        let constraints = try? certificate.extensions.basicConstraints
        if case .isCertificateAuthority(let maxPathLength)? = constraints {
            isAuthority = true
            pathLength = maxPathLength
        } else {
            isAuthority = false
        }
        names = ((try? certificate.extensions.subjectAlternativeNames) ?? nil)?.map(Self.describe) ?? []
        extendedKeyUsage = ((try? certificate.extensions.extendedKeyUsage) ?? nil)?.map(Self.describe) ?? []
        keyUsage = ((try? certificate.extensions.keyUsage) ?? nil).map(Self.describe) ?? []
        if let nc = (try? certificate.extensions.nameConstraints) ?? nil {
            var parts: [String] = []
            if !nc.permittedSubtrees.isEmpty { parts.append("permitted " + nc.permittedSubtrees.map(Self.describeSubtree).joined(separator: ", ")) }
            if !nc.excludedSubtrees.isEmpty { parts.append("excluded " + nc.excludedSubtrees.map(Self.describeSubtree).joined(separator: ", ")) }
            nameConstraints = parts.joined(separator: "; ")
        }
        subjectKeyIdentifier = ((try? certificate.extensions.subjectKeyIdentifier) ?? nil).map { Self.hex($0.keyIdentifier) }
        authorityKeyIdentifier = ((try? certificate.extensions.authorityKeyIdentifier) ?? nil)?.keyIdentifier.map { Self.hex($0) }
        selfSigned = certificate.issuer == certificate.subject
    }

    /// The purposes a leaf may serve, from its EKU: `server`, `client`, `both`.
    public var role: LeafRole? {
        if isAuthority { return nil }
        let server = extendedKeyUsage.contains("serverAuth"), client = extendedKeyUsage.contains("clientAuth")
        switch (server, client) {
        case (true, true): return .both
        case (true, false): return .server
        case (false, true): return .client
        default: return nil
        }
    }

    static func describe(_ algorithm: Certificate.SignatureAlgorithm) -> String {
        switch algorithm {
        case .ecdsaWithSHA256: "ECDSA with SHA-256"
        case .ecdsaWithSHA384: "ECDSA with SHA-384"
        case .ecdsaWithSHA512: "ECDSA with SHA-512"
        case .sha256WithRSAEncryption: "RSA (PKCS#1 v1.5) with SHA-256"
        case .sha384WithRSAEncryption: "RSA (PKCS#1 v1.5) with SHA-384"
        case .sha512WithRSAEncryption: "RSA (PKCS#1 v1.5) with SHA-512"
        case .sha1WithRSAEncryption: "RSA with SHA-1 (weak)"
        case .ed25519: "Ed25519"
        default: "\(algorithm)"
        }
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02X", $0) }.joined(separator: ":")
    }

    static func describe(_ name: GeneralName) -> String {
        switch name {
        case .dnsName(let dns): return "DNS:\(dns)"
        case .ipAddress(let octets):
            let bytes = Array(octets.bytes)
            if bytes.count == 4 { return "IP:" + bytes.map(String.init).joined(separator: ".") }
            if bytes.count == 16 {
                var address = in6_addr()
                withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes) }
                var buffer = [CChar](repeating: 0, count: 64)
                if inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil {
                    return "IP:" + String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                }
            }
            return "IP:" + hex(bytes)
        case .uniformResourceIdentifier(let uri): return "URI:\(uri)"
        case .rfc822Name(let email): return "email:\(email)"
        case .directoryName(let name): return "DirName:\(name)"
        default: return "\(name)"
        }
    }

    static func describeSubtree(_ name: GeneralName) -> String {
        guard case .ipAddress(let octets) = name else { return describe(name) }
        let bytes = Array(octets.bytes)
        let half = bytes.count / 2
        let prefix = bytes[half...].reduce(0) { $0 + $1.nonzeroBitCount }
        let address = describe(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes[..<half]))))
        return "\(address)/\(prefix)"
    }

    static func describe(_ usage: ExtendedKeyUsage.Usage) -> String {
        switch usage {
        case .serverAuth: "serverAuth"
        case .clientAuth: "clientAuth"
        case .codeSigning: "codeSigning"
        case .emailProtection: "emailProtection"
        case .timeStamping: "timeStamping"
        case .ocspSigning: "OCSPSigning"
        case .any: "anyExtendedKeyUsage"
        default: "\(usage)"
        }
    }

    static func describe(_ usage: KeyUsage) -> [String] {
        var result: [String] = []
        if usage.digitalSignature { result.append("digitalSignature") }
        if usage.nonRepudiation { result.append("nonRepudiation") }
        if usage.keyEncipherment { result.append("keyEncipherment") }
        if usage.dataEncipherment { result.append("dataEncipherment") }
        if usage.keyAgreement { result.append("keyAgreement") }
        if usage.keyCertSign { result.append("keyCertSign") }
        if usage.cRLSign { result.append("cRLSign") }
        return result
    }
}

extension DistinguishedName {
    /// The first common name, if any.
    public var commonName: String? {
        for rdn in self {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                return String(attribute.value)
            }
        }
        return nil
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
