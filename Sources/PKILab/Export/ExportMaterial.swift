import Foundation
import X509

/// Everything an export is made from: a lab identity's certificate, key and chain, and the lab's root, as the
/// store holds them.
public struct ExportMaterial: Sendable {
    public let name: String
    public let leaf: Certificate
    /// The authorities between the leaf and the root, leaf side first (what `chain.pem` holds).
    public let intermediates: [Certificate]
    public let root: Certificate
    public let key: PrivateKeyForms
    /// Roots the device must trust besides the lab's root (for example an OTA object store's root, which chains to
    /// another CA): every root file, bundle and trust-anchor list of an export holds them after the lab's root.
    public var extraRoots: [Certificate] = []
    /// The OTA update URL on the HTTPS endpoint: `LAB_OTA_URL` in the C headers and `main/ota.c.snippet` for ESP-IDF.
    public var otaURL: String? = nil
    /// Where the lab serves: a name in the server certificate, and the endpoints' ports (see ``ExportEndpoints``).
    public var host: String
    public var mqttPort: Int
    public var echoPort: Int
    public var httpsPort: Int

    /// Reads `name`'s folder and the root from `store`.
    public init(store: LabStore, lab: Lab, name: String) throws(StoreError) {
        guard lab.authority(named: name) == nil else {
            throw StoreError(.notFound, "\"\(name)\" is an authority: pkilab exports device and server identities, never an authority's key",
                             hint: "every export already holds the root's certificate (ca.pem, ca.der, lab_ca_pem); export a certificate such as \(lab.certificates.first?.name ?? "device-001")")
        }
        let (folder, _) = try store.folder(of: name, in: lab)
        func read(_ file: String) throws(StoreError) -> String {
            guard let text = try? String(contentsOfFile: "\(folder)/\(file)", encoding: .utf8) else {
                throw StoreError(.notFound, "\"\(DisplayPath.relative(folder))/\(file)\" is missing", hint: "run pkilab issue first")
            }
            return text
        }
        let files = StoredFiles(folder: folder)
        // A fleet member has cert.pem and key.pem; its chain is the fleet's shared chain.pem, one folder up.
        var certificates: [Certificate] = []
        for path in files.presentedChainFiles {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw StoreError(.notFound, "\"\(DisplayPath.relative(path))\" is missing", hint: "run pkilab issue (or pkilab fleet) first")
            }
            if !text.contains("-----BEGIN") { continue }
            certificates += try CertificateFile.read(path: path)
        }
        guard let leaf = certificates.first else { throw StoreError(.cannotRead, "\"\(DisplayPath.relative(files.certificate))\" holds no certificate") }
        let roots = lab.authorities.filter(\.isRoot).compactMap { StoredPair(folder: store.directory.folder(forAuthority: $0.name)).certificate }
        guard let root = roots.first(where: { $0.subject == (certificates.last?.issuer ?? leaf.issuer) }) ?? roots.first(where: { $0.subject == leaf.issuer }) ?? roots.first else {
            throw StoreError(.notFound, "the lab's root is not in the store", hint: "run pkilab issue first")
        }
        guard let algorithm = KeyAlgorithm(leaf.publicKey) else {
            throw StoreError(.cannotRead, "the key of \"\(name)\" is of a kind pkilab does not export")
        }
        do {
            key = try PrivateKeyForms(pem: try read(StoredFiles.keyName), algorithm: algorithm)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.cannotRead, "\"\(DisplayPath.relative(files.key))\" cannot be read: \(error)")
        }
        self.name = name
        self.leaf = leaf
        intermediates = Array(certificates.dropFirst()).filter { $0.subject != root.subject }
        self.root = root
        let server = lab.endpoints.first.map(\.certificate).flatMap { name in lab.certificates.first { $0.name == name } }
        host = server?.names.lazy.compactMap { name -> String? in
            if case .dns(let dns) = name, !dns.hasPrefix("*"), dns.first?.isNumber == false { return dns }
            return nil
        }.first ?? "localhost"
        mqttPort = lab.endpoints.first { $0.kind == .mqtt }?.port ?? EndpointSpec.Kind.mqtt.defaultPort
        echoPort = lab.endpoints.first { $0.kind == .echo }?.port ?? EndpointSpec.Kind.echo.defaultPort
        httpsPort = lab.endpoints.first { $0.kind == .https }?.port ?? EndpointSpec.Kind.https.defaultPort
        // With ota:, the device also trusts the object store's root (another CA, as S3's), and gets the OTA URL.
        if let ota = lab.ota {
            let storeRoots = lab.ancestry(of: ota.store.authority).filter(\.isRoot).compactMap {
                StoredPair(folder: store.directory.folder(forAuthority: $0.name)).certificate
            }
            extraRoots = storeRoots.filter { $0 != root }
            otaURL = Self.otaURL(host: host, httpsPort: httpsPort)
        }
    }

    /// The OTA server's update route on the HTTPS endpoint at `host`.
    public static func otaURL(host: String, httpsPort: Int) -> String {
        "https://\(host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host):\(httpsPort)/ota/update"
    }

    static func der(_ certificate: Certificate) -> [UInt8] {
        (try? certificate.derBytes) ?? []
    }

    static func pem(_ certificate: Certificate) -> String {
        ((try? certificate.serializeAsPEM().pemString) ?? "") + "\n"
    }

    var leafDER: [UInt8] { Self.der(leaf) }
    var rootDER: [UInt8] { Self.der(root) }
    var chainDER: [UInt8] { intermediates.flatMap(Self.der) }
    var leafPEM: String { Self.pem(leaf) }
    var chainPEM: String { intermediates.map(Self.pem).joined() }
    var rootPEM: String { Self.pem(root) }
    /// The lab's root followed by every extra root: what a device trusts.
    var allRoots: [Certificate] { [root] + extraRoots }
    /// Every root as PEM, the lab's first (ca.pem, ca_cert.pem, lab_ca_pem).
    var allRootsPEM: String { allRoots.map(Self.pem).joined() }
}
