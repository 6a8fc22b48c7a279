import Crypto
import Foundation
import SwiftASN1
import X509

/// Makes the zoo's certificates: bad servers and bad clients, each one thing wrong and everything else as a
/// good certificate of the lab has it.
struct ZooMaker {
    /// One folder of the zoo, ready to write.
    struct Made {
        var folder: String
        var files: [(name: String, bytes: [UInt8], mode: mode_t)]
        var item: ZooManifest.Item
    }

    let directory: CADirectory
    let now: Date
    /// The lab authority that signs the "almost right" certificates (the one that signs the lab's server).
    let issuer: IssuedCertificate
    /// The issuer's intermediates up to the root, without the root: what a good server sends after its leaf.
    let issuerChain: [Certificate]
    let root: IssuedCertificate
    /// The names of the lab's server certificate.
    let names: [CertificateName]
    /// What the issuer's certificates name as CRL distribution point and OCSP responder, so a device that
    /// fetches them can find out about the revoked ones.
    let crlURL: String
    let ocspURL: String

    /// The serials the CRL must list: the `revoked` server and client.
    private(set) var revokedSerials: [(name: String, serial: String)] = []

    private var goodWindow: (Date, Date) {
        (now.addingTimeInterval(-3600), min(now.addingTimeInterval(90 * 86_400), issuer.certificate.notValidAfter))
    }

    mutating func servers() throws -> [Made] {
        var made: [Made] = []
        for scenario in ZooServer.allCases {
            let name = scenario.rawValue
            let cn = "zoo-\(name)"
            let folder = directory.folder(forZooServer: name)
            var names = self.names
            var window = goodWindow
            var usages: [ExtendedKeyUsage.Usage] = [.serverAuth]
            var extra: [Certificate.Extension] = []
            var signer = issuer
            var chain = issuerChain
            switch scenario {
            case .good, .revoked:
                break
            case .weakRSA1024, .sha1Signature:
                if KeyAlgorithm(issuer.certificate.publicKey) == .ed25519 {
                    // OpenSSL signs Ed25519 without a digest: a P-256 intermediate of the zoo's own signs these two.
                    signer = try authority(cn: "pkilab Zoo P-256 Intermediate", signer: root, pathLength: 0)
                    chain = [signer.certificate]
                }
            case .expired:
                window = (now.addingTimeInterval(-400 * 86_400), now.addingTimeInterval(-30 * 86_400))
            case .notYetValid:
                window = (now.addingTimeInterval(365 * 86_400), now.addingTimeInterval(730 * 86_400))
            case .wrongHost:
                names = [.dns("wrong-host.invalid")]
            case .selfSigned:
                let key = Self.newKey()
                let certificate = try sign(cn: cn, key: key, signer: nil, window: window,
                                           extensions: try leafExtensions(names: names, usages: usages, key: key.publicKey, issuerKeyID: nil))
                made.append(try pack(folder: folder, name: name, leaf: certificate.derBytes, keyPEM: try key.serializeAsPEM().pemString + "\n", chain: []))
                continue
            case .untrustedRoot:
                signer = try authority(cn: "pkilab Zoo Foreign Root", signer: nil, pathLength: nil)
                chain = []
            case .incompleteChain:
                chain = []
                if issuerChain.isEmpty {
                    // The lab's server is signed by its root: an intermediate of the zoo's own shows the mistake.
                    signer = try authority(cn: "pkilab Zoo Intermediate", signer: root, pathLength: 0)
                }
            case .wrongPurpose:
                usages = [.clientAuth]
            case .caAsLeaf:
                let key = Self.newKey()
                let extensions = try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    // digitalSignature too: BoringSSL will not serve an EC key without it.
                    Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                    SubjectAlternativeNames(names.map(CertificateProfile.generalName))
                    SubjectKeyIdentifier(hash: key.publicKey)
                    AuthorityKeyIdentifier(keyIdentifier: issuer.certificate.keyIdentifier)
                }
                let certificate = try sign(cn: cn, key: key, signer: issuer, window: window, extensions: extensions)
                made.append(try pack(folder: folder, name: name, leaf: certificate.derBytes, keyPEM: try key.serializeAsPEM().pemString + "\n", chain: issuerChain))
                continue
            case .unknownCriticalExtension:
                var value = DER.Serializer()
                try value.serialize(ASN1UTF8String("pkilab zoo: an extension nobody knows"))
                extra = [Certificate.Extension(oid: [1, 3, 6, 1, 4, 1, 99999, 1, 1], critical: true, value: value.serializedBytes[...])]
            case .nameConstraintViolation:
                signer = try authority(cn: "pkilab Zoo Constrained Intermediate", signer: root, pathLength: 0,
                                       constraints: NameConstraints(permittedDNSDomains: ["permitted.invalid"]))
                chain = [signer.certificate]
            case .longChain:
                var parent = root
                var intermediates: [Certificate] = []
                for depth in 1...10 {
                    parent = try authority(cn: "pkilab Zoo Long Chain \(depth)", signer: parent, pathLength: nil)
                    intermediates.insert(parent.certificate, at: 0)
                }
                signer = parent
                chain = intermediates
            case .hugeCertificate:
                names += (1...1500).map { .dns(String(format: "n%04d.huge.invalid", $0)) }
            }
            let key = Self.newKey()
            let template = try sign(cn: cn, key: key, signer: signer, window: window,
                                    extensions: try leafExtensions(names: names, usages: usages, key: key.publicKey,
                                                                   issuerKeyID: signer.certificate.keyIdentifier, extra: extra,
                                                                   withSKI: scenario != .weakRSA1024,
                                                                   withRevocation: signer.certificate == issuer.certificate))
            let openSSL: (digest: String, rsaBits: Int)? = switch scenario {
            case .weakRSA1024: ("sha256", 1024)
            case .sha1Signature: ("sha1", 0)
            default: nil
            }
            let (der, keyPEM) = try finish(template, key: key, signer: signer, openSSL: openSSL)
            if scenario == .revoked { revokedSerials.append(("zoo-server/\(name)", template.serialNumber.hexString)) }
            made.append(try pack(folder: folder, name: name, leaf: der, keyPEM: keyPEM, chain: chain, template: template))
        }
        return made
    }

    mutating func clients() throws -> [Made] {
        var made: [Made] = []
        for scenario in ZooClient.allCases {
            let name = scenario.rawValue
            let folder = directory.folder(forZooClient: name)
            let names: [CertificateName] = [.uri("urn:pkilab:zoo:\(name)")]
            var window = goodWindow
            var usages: [ExtendedKeyUsage.Usage] = [.clientAuth]
            var signer: IssuedCertificate? = issuer
            var chain = issuerChain
            switch scenario {
            case .expired: window = (now.addingTimeInterval(-400 * 86_400), now.addingTimeInterval(-30 * 86_400))
            case .notYetValid: window = (now.addingTimeInterval(365 * 86_400), now.addingTimeInterval(730 * 86_400))
            case .foreignCA:
                signer = try authority(cn: "pkilab Zoo Foreign Root", signer: nil, pathLength: nil)
                chain = []
            case .selfSigned:
                signer = nil
                chain = []
            case .serverOnlyEKU: usages = [.serverAuth]
            case .revoked, .weakKey: break
            }
            let key = Self.newKey()
            let template = try sign(cn: "zoo-\(name)", key: key, signer: signer, window: window,
                                    extensions: try leafExtensions(names: names, usages: usages, key: key.publicKey,
                                                                   issuerKeyID: signer?.certificate.keyIdentifier, withSKI: scenario != .weakKey,
                                                                   withRevocation: signer?.certificate == issuer.certificate))
            let (der, keyPEM) = try finish(template, key: key, signer: signer ?? issuer, openSSL: scenario == .weakKey ? ("sha256", 1024) : nil)
            if scenario == .revoked { revokedSerials.append(("zoo/\(name)", template.serialNumber.hexString)) }
            made.append(try pack(folder: folder, name: name, leaf: der, keyPEM: keyPEM, chain: chain, template: template))
        }
        return made
    }

    // MARK: Pieces

    static func newKey() -> Certificate.PrivateKey {
        Certificate.PrivateKey(P256.Signing.PrivateKey())
    }

    private func authority(cn: String, signer: IssuedCertificate?, pathLength: Int?, constraints: NameConstraints? = nil) throws -> IssuedCertificate {
        let key = Self.newKey()
        let ski = SubjectKeyIdentifier(hash: key.publicKey)
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: pathLength))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            ski
            AuthorityKeyIdentifier(keyIdentifier: signer?.certificate.keyIdentifier ?? ski.keyIdentifier)
            if let constraints { Critical(constraints) }
        }
        let window = (now.addingTimeInterval(-3600), min(now.addingTimeInterval(365 * 86_400), root.certificate.notValidAfter))
        return IssuedCertificate(certificate: try sign(cn: cn, key: key, signer: signer, window: window, extensions: extensions), privateKey: key)
    }

    private func leafExtensions(names: [CertificateName], usages: [ExtendedKeyUsage.Usage], key: Certificate.PublicKey,
                                issuerKeyID: ArraySlice<UInt8>?, extra: [Certificate.Extension] = [], withSKI: Bool = true,
                                withRevocation: Bool = false) throws -> Certificate.Extensions {
        let ski = SubjectKeyIdentifier(hash: key)
        var extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage(usages)
            SubjectAlternativeNames(names.map(CertificateProfile.generalName))
            AuthorityKeyIdentifier(keyIdentifier: issuerKeyID ?? ski.keyIdentifier)
        }
        if withSKI { try extensions.append(ski.makeCertificateExtension()) }
        if withRevocation {
            try extensions.append(CertificateProfile.crlDistributionPoint(crlURL))
            try extensions.append(CertificateProfile.ocsp(ocspURL).makeCertificateExtension())
        }
        for item in extra { try extensions.append(item) }
        return extensions
    }

    private func sign(cn: String, key: Certificate.PrivateKey, signer: IssuedCertificate?, window: (Date, Date),
                      extensions: Certificate.Extensions) throws -> Certificate {
        let subject = try DistinguishedName {
            OrganizationName("pkilab zoo")
            CommonName(cn)
        }
        let signingKey = signer?.privateKey ?? key
        let algorithm = KeyAlgorithm(signingKey.publicKey)?.signatureAlgorithm ?? .ecdsaWithSHA256
        return try Certificate(version: .v3, serialNumber: .random(), publicKey: key.publicKey, notValidBefore: window.0,
                               notValidAfter: window.1, issuer: signer?.certificate.subject ?? subject, subject: subject,
                               signatureAlgorithm: algorithm, extensions: extensions, issuerPrivateKey: signingKey)
    }

    /// The certificate as it will be written, with its key: re-signed by OpenSSL with `openSSL.digest` (and
    /// first given an RSA key of `rsaBits`, when not 0) where swift-certificates will not sign it.
    private func finish(_ template: Certificate, key: Certificate.PrivateKey, signer: IssuedCertificate,
                        openSSL: (digest: String, rsaBits: Int)?) throws -> (der: [UInt8], keyPEM: String) {
        let keyPEM = try key.serializeAsPEM().pemString + "\n"
        guard let openSSL else { return (try template.derBytes, keyPEM) }
        let resigned = try OpenSSLResigner.resign(try template.derBytes, issuerKeyPEM: try signer.privateKeyPEM, digest: openSSL.digest,
                                                  newRSABits: openSSL.rsaBits)
        return (resigned.der, resigned.keyPEM ?? keyPEM)
    }

    private func pack(folder: String, name: String, leaf: [UInt8], keyPEM: String, chain: [Certificate], template: Certificate? = nil) throws -> Made {
        let leafPEM = PEMDocument(type: "CERTIFICATE", derBytes: leaf).pemString + "\n"
        let chainPEM = try chain.map { try $0.serializeAsPEM().pemString + "\n" }.joined()
        let certificate = try template ?? Certificate(derEncoded: leaf)
        let item = ZooManifest.Item(name: name, folder: folder, subject: certificate.subject.description, serial: certificate.serialNumber.hexString,
                                    notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter, bytes: leaf.count,
                                    presented: 1 + chain.count)
        return Made(folder: folder, files: [
            (StoredFiles.certificateName, Array(leafPEM.utf8), 0o644),
            (StoredFiles.keyName, Array(keyPEM.utf8), 0o600),
            (StoredFiles.chainName, Array(chainPEM.utf8), 0o644),
            (StoredFiles.fullchainName, Array((leafPEM + chainPEM).utf8), 0o644),
        ], item: item)
    }
}
