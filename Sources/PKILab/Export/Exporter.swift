import Foundation
import X509

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
                ExportFile("ca.pem", material.allRootsPEM, material.extraRoots.isEmpty ? "the lab's root, to trust the lab's servers"
                                                                  : "the lab's root and \(material.extraRoots.count) other root\(material.extraRoots.count == 1 ? "" : "s") the device trusts"),
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
            files += extraRootFiles(material)
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
                bundle = try ESPCertificateBundle.encode(material.allRoots, layout: options.bundleLayout)
            } catch {
                throw StoreError(.cannotWrite, "the certificate bundle cannot be made: \(error)")
            }
            let layout = options.bundleLayout == .offsets ? "v5.4+ layout (u32 LE offsets)" : "v4.2–v5.3 layout (u16 BE count)"
            let roots = material.extraRoots.isEmpty ? "the lab root" : "the lab root and \(material.extraRoots.count) other root\(material.extraRoots.count == 1 ? "" : "s")"
            var files = [
                ExportFile("server_certs/ca_cert.pem", material.allRootsPEM, "\(roots), for EMBED_TXTFILES (extern _binary_ca_cert_pem_start)"),
                ExportFile("main/certs/client.crt", material.leafPEM + material.chainPEM, "the client certificate and its intermediates (PEM)"),
                ExportFile("main/certs/client.key", key.traditionalPEM ?? key.pkcs8PEM, mode: 0o600, "the client key (PEM)"),
                ExportFile("x509_crt_bundle.bin", bundle, "an esp_crt_bundle with \(roots), \(layout), for ESP-IDF \(options.idfVersion)"),
                ExportFile("CMakeLists.snippet.txt", ESPIDFSnippets.cmake, "the lines for main/CMakeLists.txt"),
                ExportFile("sdkconfig.defaults.snippet", ESPIDFSnippets.sdkconfig, "the sdkconfig lines that make ca_cert.pem the only bundle entries"),
                ExportFile("main/lab_client.c.snippet", ESPIDFSnippets.client(material), "esp-mqtt and esp_http_client configuration for the lab"),
            ]
            if let url = material.otaURL {
                files.append(ExportFile("main/ota.c.snippet", ESPIDFSnippets.ota(material, url: url), "esp_https_ota configuration for \(url)"))
            }
            return files
        case .bearssl:
            do {
                return [
                    ExportFile("trust_anchors.h", try BearSSLTrustAnchors.source(material.allRoots),
                               "the lab root\(material.extraRoots.isEmpty ? "" : " and every other root") as BearSSL trust anchors (TAs, TAs_NUM), as brssl ta writes them"),
                    ExportFile("client_credentials.h", try BearSSLClientCredentials.source(material), mode: 0o600,
                               "the certificate chain (CHAIN, CHAIN_LEN) and private key (\(material.key.algorithm.isRSA ? "RSA" : "EC_PRI")) as BearSSL structures, as brssl chain/skey write them (holds the private key)"),
                ]
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

    /// Writes `files` and a README into `folder`, with the manifest of what pkilab wrote there
    /// (`.pkilab-export.json`); returns the files that changed.
    ///
    /// A file that exists with other bytes is replaced only when the manifest says pkilab wrote exactly those bytes
    /// (or with `force`); otherwise nothing is written and ``ExportOverwriteRefusal`` lists the files. Without a
    /// manifest, `adoptingUnlisted` treats the folder's files as pkilab's own (the default export folder in the store,
    /// written before manifests existed).
    @discardableResult
    public static func write(_ files: [ExportFile], format: ExportFormat, material: ExportMaterial, options: ExportOptions,
                             to folder: String, force: Bool = false, adoptingUnlisted: Bool = false) throws(ExportWriteError) -> [ExportFile] {
        let readme = ExportFile("README.txt", readmeText(files, format: format, material: material), "what is where")
        let previous = ExportManifest.read(folder: folder)
        var manifest = previous ?? ExportManifest()
        var changed: [ExportFile] = []
        var foreign: [String] = []
        for file in files + [readme] {
            let path = "\(folder)/\(file.path)"
            guard let existing = FileManager.default.contents(atPath: path).map({ Array($0) }) else {
                changed.append(file)
                continue
            }
            if existing == file.bytes {
                manifest.files[file.path] = ExportManifest.digest(existing)
                continue
            }
            // A PKCS#12 file differs each time (random salts): keep one that opens with this password, holds this
            // certificate and is in the form asked for (legacy or not).
            if format == .p12, file.path.hasSuffix(".p12"), let password = options.password,
               previous?.wrote(existing, at: file.path) ?? adoptingUnlisted,
               PKCS12File.canKeep(existing, password: password, material: material, legacy: options.legacy) {
                continue
            }
            let ours = previous.map { $0.wrote(existing, at: file.path) } ?? adoptingUnlisted
            if !ours && !force { foreign.append(file.path) }
            changed.append(file)
        }
        if !foreign.isEmpty { throw .refused(ExportOverwriteRefusal(folder: folder, files: foreign)) }
        do {
            let batch = FileBatch()
            for file in changed {
                let path = "\(folder)/\(file.path)"
                try FileBatch.makeFolder((path as NSString).deletingLastPathComponent)
                try batch.stage(file.bytes, to: path, mode: file.mode)
                manifest.files[file.path] = ExportManifest.digest(file.bytes)
            }
            if manifest != previous {
                try FileBatch.makeFolder(folder)
                try batch.stage(manifest.bytes, to: "\(folder)/\(ExportManifest.fileName)", mode: 0o644)
            }
            try batch.commit(syncing: folder)
        } catch {
            throw .store(error)
        }
        return changed
    }

    /// Extra roots as DER files beside `ca.der`: `ca-SLUG.der` after the root's common name, else `ca-2.der`, `ca-3.der`, ….
    static func extraRootFiles(_ material: ExportMaterial) -> [ExportFile] {
        var used: Set<String> = ["ca.der"]
        return material.extraRoots.enumerated().map { index, root in
            let slug = CSource.slug(root.subject.commonName ?? "")
            var name = slug.isEmpty ? "ca-\(index + 2).der" : "ca-\(slug).der"
            if used.contains(name) { name = "ca-\(index + 2).der" }
            used.insert(name)
            return ExportFile(name, ExportMaterial.der(root), "another root the device trusts: \(root.subject.commonName ?? "\(root.subject)") (DER)")
        }
    }

    /// The serial as `openssl x509 -text` prints it: two upper-case hex digits per byte, colon-separated
    /// (`51:3C:0B:4A:…`), without the sign byte DER adds before a high bit.
    static func serialText(_ serial: Certificate.SerialNumber) -> String {
        var bytes = Array(serial.bytes)
        if bytes.count > 1, bytes[0] == 0 { bytes.removeFirst() }
        let digits = Array("0123456789ABCDEF")
        return bytes.map { String([digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]]) }.joined(separator: ":")
    }

    static func readmeText(_ files: [ExportFile], format: ExportFormat, material: ExportMaterial) -> String {
        var text = "pkilab export of \"\(material.name)\" (\(format.rawValue)), for \(format.usedBy).\n"
        text += "Certificate serial \(serialText(material.leaf.serialNumber)), valid until \(LabDate.human(material.leaf.notValidAfter)).\n\n"
        let width = files.map(\.path.count).max() ?? 0
        for file in files {
            text += "\(file.path.padding(toLength: width, withPad: " ", startingAt: 0))  \(file.bytes.count) bytes  \(file.about)\n"
        }
        text += "\nFiles marked 0600 hold the private key: keep them out of version control.\n"
        return text
    }
}
