import Foundation

/// Options of `pkilab export`.
public struct ExportOptions: Sendable {
    /// PEM: write the key in its traditional form (SEC1 / PKCS#1) instead of PKCS#8.
    public var traditional = false
    /// DER: write `private.der` as PKCS#8 instead of SEC1 / PKCS#1.
    public var pkcs8 = false
    /// p12: the password (required), and the 3DES/SHA-1 form.
    public var password: String?
    public var legacy = false
    /// esp-idf: the bundle layout.
    public var bundleLayout = ESPCertificateBundle.Layout.offsets
    public var idfVersion = "5.4"

    public init() {}
}

/// One file of an export: its path inside the export folder, bytes and mode (0600 for keys).
public struct ExportFile: Sendable, Hashable {
    public var path: String
    public var bytes: [UInt8]
    public var mode: mode_t
    /// One line for the export's README and the command's output.
    public var about: String

    init(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644, _ about: String) {
        self.path = path
        self.bytes = bytes
        self.mode = mode
        self.about = about
    }

    init(_ path: String, _ text: String, mode: mode_t = 0o644, _ about: String) {
        self.init(path, Array(text.utf8), mode: mode, about)
    }

    var isKey: Bool { mode == 0o600 }
}

/// Makes the files of an export and writes them (each file whole, synced and renamed into place; unchanged
/// files are left as they are, so a re-export is idempotent).
public enum Exporter {
    public static func files(_ format: ExportFormat, _ material: ExportMaterial, options: ExportOptions) throws(StoreError) -> [ExportFile] {
        let key = material.key
        switch format {
        case .pem:
            let keyPEM = options.traditional ? (key.traditionalPEM ?? key.pkcs8PEM) : key.pkcs8PEM
            var files = [
                ExportFile(StoredFiles.certificateName, material.leafPEM, "the certificate of \(material.name)"),
                ExportFile(StoredFiles.keyName, keyPEM, mode: 0o600, "its private key, \(options.traditional && key.traditionalDER != nil ? (key.algorithm.isRSA ? "PKCS#1 (RSA PRIVATE KEY)" : "SEC1 (EC PRIVATE KEY)") : "PKCS#8 (PRIVATE KEY)")"),
                ExportFile(StoredFiles.fullchainName, material.leafPEM + material.chainPEM, "the certificate followed by its intermediates (what a client should present)"),
                ExportFile("ca.pem", material.rootPEM, "the lab's root, to trust the lab's servers"),
            ]
            if !material.intermediates.isEmpty {
                files.insert(ExportFile(StoredFiles.chainName, material.chainPEM, "the intermediates alone"), at: 2)
            }
            return files
        case .der:
            let keyDER = options.pkcs8 ? key.pkcs8DER : (key.traditionalDER ?? key.pkcs8DER)
            let form = options.pkcs8 || key.traditionalDER == nil ? "PKCS#8" : (key.algorithm.isRSA ? "PKCS#1" : "SEC1")
            var files = [
                ExportFile("cert.der", material.leafDER, "the certificate (X.509 DER)"),
                ExportFile("private.der", keyDER, mode: 0o600, "the private key, \(form) DER"),
                ExportFile("ca.der", material.rootDER, "the lab's root (DER)"),
            ]
            if !material.intermediates.isEmpty {
                files.append(ExportFile("chain.der", material.chainDER, "the intermediates (DER, concatenated), for devices that send their chain"))
            }
            return files
        case .c:
            return [ExportFile("lab_credentials.h", CHeader.text(material, arduino: false), mode: 0o600,
                               "PEM strings and DER arrays of the CA, certificate and key (holds the private key)")]
        case .arduino:
            return [
                ExportFile("lab_credentials.h", CHeader.text(material, arduino: true), mode: 0o600, "the same as the c export, in PROGMEM (holds the private key)"),
                ExportFile("secrets.h", CHeader.awsSecrets(material), mode: 0o600,
                           "the AWS IoT sketch layout (THINGNAME, AWS_IOT_ENDPOINT, AWS_CERT_CA/CRT/PRIVATE) pointing at the lab"),
            ]
        case .espIDF:
            let bundle: [UInt8]
            do {
                bundle = try ESPCertificateBundle.encode([material.root], layout: options.bundleLayout)
            } catch {
                throw StoreError(.cannotWrite, "the certificate bundle cannot be made: \(error)")
            }
            let layout = options.bundleLayout == .offsets ? "v5.4+ layout (u32 LE offsets)" : "v4.2–v5.3 layout (u16 BE count)"
            return [
                ExportFile("server_certs/ca_cert.pem", material.rootPEM, "the lab's root, for EMBED_TXTFILES (extern _binary_ca_cert_pem_start)"),
                ExportFile("main/certs/client.crt", material.leafPEM + material.chainPEM, "the client certificate and its intermediates (PEM)"),
                ExportFile("main/certs/client.key", key.traditionalPEM ?? key.pkcs8PEM, mode: 0o600, "the client key (PEM)"),
                ExportFile("x509_crt_bundle.bin", bundle, "an esp_crt_bundle with the lab root, \(layout), for ESP-IDF \(options.idfVersion)"),
                ExportFile("CMakeLists.snippet.txt", ESPIDFSnippets.cmake, "the lines for main/CMakeLists.txt"),
                ExportFile("sdkconfig.defaults.snippet", ESPIDFSnippets.sdkconfig, "the sdkconfig lines that use the lab root as the only bundle entry"),
                ExportFile("main/lab_client.c.snippet", ESPIDFSnippets.client(material), "esp-mqtt and esp_http_client configuration for the lab"),
            ]
        case .bearssl:
            do {
                return [ExportFile("trust_anchors.h", try BearSSLTrustAnchors.source([material.root]),
                                   "the lab root as a BearSSL trust anchor (TAs, TAs_NUM), as brssl ta writes it")]
            } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError(.cannotWrite, "the trust anchor cannot be made: \(error)")
            }
        case .p12:
            guard let password = options.password else {
                throw StoreError(.notFound, "a PKCS#12 file needs a password", hint: "add --password SECRET (use --legacy for old Java, Android and macOS)")
            }
            return [ExportFile("\(material.name).p12", try PKCS12File.make(material: material, password: password, legacy: options.legacy), mode: 0o600,
                               options.legacy ? "PKCS#12, legacy 3DES with a SHA-1 MAC" : "PKCS#12, AES-256-CBC (PBKDF2) with a SHA-256 MAC")]
        }
    }

    /// Writes `files` and a README into `folder`; returns the files that changed.
    @discardableResult
    public static func write(_ files: [ExportFile], format: ExportFormat, material: ExportMaterial, options: ExportOptions,
                             to folder: String) throws(StoreError) -> [ExportFile] {
        let readme = ExportFile("README.txt", readmeText(files, format: format, material: material), "what is where")
        var changed: [ExportFile] = []
        let batch = FileBatch()
        for file in files + [readme] {
            let path = "\(folder)/\(file.path)"
            let existing = FileManager.default.contents(atPath: path).map { Array($0) }
            if let existing {
                if existing == file.bytes { continue }
                // A PKCS#12 file differs each time (random salts): keep one that opens with this password and holds this certificate.
                if format == .p12, file.path.hasSuffix(".p12"), let password = options.password,
                   PKCS12File.matches(existing, password: password, material: material) { continue }
            }
            let parent = (path as NSString).deletingLastPathComponent
            try FileBatch.makeFolder(parent)
            try batch.stage(file.bytes, to: path, mode: file.mode)
            changed.append(file)
        }
        try batch.commit(syncing: folder)
        return changed
    }

    static func readmeText(_ files: [ExportFile], format: ExportFormat, material: ExportMaterial) -> String {
        var text = "pkilab export of \"\(material.name)\" (\(format.rawValue)), for \(format.usedBy).\n"
        text += "Certificate serial \(material.leaf.serialNumber), valid until \(LabDate.human(material.leaf.notValidAfter)).\n\n"
        let width = files.map(\.path.count).max() ?? 0
        for file in files {
            text += "\(file.path.padding(toLength: width, withPad: " ", startingAt: 0))  \(file.bytes.count) bytes  \(file.about)\n"
        }
        text += "\nFiles marked 0600 hold the private key: keep them out of version control.\n"
        return text
    }
}
