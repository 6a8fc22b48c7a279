import SwiftASN1
import X509

/// The extensions pkilab puts in each kind of certificate.
///
/// The profile is the one that device stacks (mbedTLS, BearSSL, wolfSSL), Python's strict mode and OpenSSL at
/// SECLEVEL 2 all accept: authorities get critical basicConstraints CA:TRUE and critical keyUsage
/// keyCertSign+cRLSign; leaves get critical basicConstraints CA:FALSE, critical keyUsage digitalSignature
/// (+keyEncipherment for RSA) and a non-critical extended key usage; every certificate has a subject and an
/// authority key identifier. Name constraints, when asked for, are critical as RFC 5280 requires.
public enum CertificateProfile {
    /// Extensions of an authority certificate.
    public static func authority(_ spec: AuthoritySpec, publicKey: Certificate.PublicKey,
                                 issuerKeyIdentifier: ArraySlice<UInt8>?) throws -> Certificate.Extensions {
        let ski = SubjectKeyIdentifier(hash: publicKey)
        let nameConstraints = spec.nameConstraints.map(Self.nameConstraints)
        return try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: spec.pathLength))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            ski
            AuthorityKeyIdentifier(keyIdentifier: issuerKeyIdentifier ?? ski.keyIdentifier)
            if let nameConstraints { Critical(nameConstraints) }
            if let url = spec.crlURL { try crlDistributionPoint(url) }
            if let url = spec.ocspURL { ocsp(url) }
        }
    }

    /// Extensions of a server, client or dual-purpose leaf.
    public static func leaf(_ spec: LeafSpec, publicKey: Certificate.PublicKey,
                            issuerKeyIdentifier: ArraySlice<UInt8>) throws -> Certificate.Extensions {
        let usages: [ExtendedKeyUsage.Usage] = switch spec.role {
        case .server: [.serverAuth]
        case .client: [.clientAuth]
        case .both: [.serverAuth, .clientAuth]
        }
        let eku = try ExtendedKeyUsage(usages)
        let san = SubjectAlternativeNames(spec.names.map(generalName))
        return try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true, keyEncipherment: spec.key.isRSA))
            eku
            san
            SubjectKeyIdentifier(hash: publicKey)
            AuthorityKeyIdentifier(keyIdentifier: issuerKeyIdentifier)
            if let url = spec.crlURL { try crlDistributionPoint(url) }
            if let url = spec.ocspURL { ocsp(url) }
        }
    }

    /// The CRL distribution point and OCSP responder a certificate names (nil where it names none).
    public static func revocationURLs(of certificate: Certificate) -> (crl: String?, ocsp: String?) {
        var crl: String?
        if let value = certificate.extensions[oid: [2, 5, 29, 31]]?.value, let root = try? DER.parse(Array(value)) {
            func find(_ node: ASN1Node) -> String? {
                if node.identifier == ASN1Identifier(tagWithNumber: 6, tagClass: .contextSpecific), case .primitive(let bytes) = node.content {
                    return String(decoding: bytes, as: UTF8.self)
                }
                if case .constructed(let children) = node.content {
                    for child in children { if let found = find(child) { return found } }
                }
                return nil
            }
            crl = find(root)
        }
        var ocsp: String?
        if let access = (try? certificate.extensions.authorityInformationAccess) ?? nil {
            for description in access where description.method == .ocspServer {
                if case .uniformResourceIdentifier(let uri) = description.location { ocsp = uri; break }
            }
        }
        return (crl, ocsp)
    }

    /// Authority information access naming the lab's OCSP responder.
    public static func ocsp(_ url: String) -> AuthorityInformationAccess {
        AuthorityInformationAccess([.init(method: .ocspServer, location: .uniformResourceIdentifier(url))])
    }

    /// A CRL distribution points extension (RFC 5280 §4.2.1.13) with one full-name URI; swift-certificates has
    /// no type for it.
    public static func crlDistributionPoint(_ url: String) throws -> Certificate.Extension {
        var coder = DER.Serializer()
        try coder.appendConstructedNode(identifier: .sequence) { points in
            try points.appendConstructedNode(identifier: .sequence) { point in
                try point.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) { name in
                    try name.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) { fullName in
                        try fullName.serialize(GeneralName.uniformResourceIdentifier(url))
                    }
                }
            }
        }
        return Certificate.Extension(oid: [2, 5, 29, 31], critical: false, value: coder.serializedBytes[...])
    }

    static func generalName(_ name: CertificateName) -> GeneralName {
        switch name {
        case .dns(let dns): .dnsName(dns)
        case .ip(let bytes, _): .ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes)))
        case .uri(let uri): .uniformResourceIdentifier(uri)
        case .email(let email): .rfc822Name(email)
        }
    }

    static func nameConstraints(_ spec: NameConstraintsSpec) -> NameConstraints {
        func general(_ subtree: NameConstraintsSpec.Subtree) -> GeneralName {
            switch subtree {
            case .dns(let domain): .dnsName(domain)
            case .ip: .ipAddress(ASN1OctetString(contentBytes: ArraySlice(subtree.ipRangeBytes!)))
            }
        }
        return NameConstraints(permittedSubtrees: spec.permitted.map(general), excludedSubtrees: spec.excluded.map(general))
    }
}
