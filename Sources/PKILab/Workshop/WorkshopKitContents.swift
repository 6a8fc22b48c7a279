import Foundation

/// What one kit holds, made in memory from an identity's ``ExportMaterial``: the files of `KITS/NAME/` (each
/// with its bytes, mode and one line saying what it is) and the zip of them. Built on the exports (the C header
/// is the arduino export's `lab_credentials.h`, the `.p12` the p12 export's modern form), not beside them.
struct WorkshopKitContents {
    /// One file of the kit folder.
    struct File {
        var name: String
        var bytes: [UInt8]
        /// `0o600` for what holds the private key or the password, `0o644` otherwise.
        var mode: mode_t
        var about: String
    }

    let identity: String
    let password: String
    /// In the order README.html lists them, README.html first.
    let files: [File]
    /// The time every zip entry carries: the certificate's start of validity, so the zip of unchanged files is the
    /// same bytes each time.
    let modified: Date

    /// The kit of `material` with `password`; `existingP12` is kept when it still opens with `password` and holds
    /// this certificate (a PKCS#12 file is different bytes each time it is made: random salts and IVs).
    init(material: ExportMaterial, lab: Lab, password: String, existingP12: [UInt8]?) throws(StoreError) {
        let name = material.name
        let key = material.key
        let p12: [UInt8]
        if let existingP12, PKCS12File.canKeep(existingP12, password: password, material: material, legacy: false) {
            p12 = existingP12
        } else {
            p12 = try PKCS12File.make(material: material, password: password, legacy: false)
        }
        let header = try Exporter.files(.arduino, material, options: ExportOptions()).first { $0.path == "lab_credentials.h" }
        let roots = material.extraRoots.isEmpty ? "the lab's root" : "the lab's root and \(material.extraRoots.count) other root\(material.extraRoots.count == 1 ? "" : "s")"
        var files = [
            File(name: "password.txt", bytes: Array("\(password)\n".utf8), mode: 0o600, about: "the password of \(name).p12"),
            File(name: "\(name).crt.pem", bytes: Array(material.leafPEM.utf8), mode: 0o644, about: "your certificate (PEM)"),
            File(name: "\(name).key.pem", bytes: Array(key.pkcs8PEM.utf8), mode: 0o600, about: "your private key (PEM, PKCS#8): never share it"),
            File(name: "chain.pem", bytes: Array((material.leafPEM + material.chainPEM).utf8), mode: 0o644,
                 about: "your certificate followed by its intermediates: what a client sends (curl --cert, mosquitto --cert, Python load_cert_chain)"),
            File(name: "ca.pem", bytes: Array(material.allRootsPEM.utf8), mode: 0o644, about: "\(roots): trust it to check the lab's servers"),
            File(name: "\(name).crt.der", bytes: material.leafDER, mode: 0o644, about: "your certificate (DER)"),
            File(name: "\(name).key.der", bytes: key.pkcs8DER, mode: 0o600, about: "your private key (DER, PKCS#8)"),
            File(name: "\(name).p12", bytes: p12, mode: 0o600,
                 about: "certificate, intermediates and key in one PKCS#12 file (AES-256, SHA-256 MAC) for browsers, Java keytool, Android, macOS"),
        ]
        if let header {
            files.append(File(name: "\(name).h", bytes: header.bytes, mode: 0o600,
                              about: "C / Arduino header: CA, certificate and key as PEM strings and DER arrays, host and ports (holds the private key)"))
        }
        let listed = [WorkshopKitReadme.Listed(name: "README.html", about: "this page")] + files.map { .init(name: $0.name, about: $0.about) }
        let readme = WorkshopKitReadme.html(material: material, lab: lab, password: password, files: listed)
        self.identity = name
        self.password = password
        self.files = [File(name: "README.html", bytes: Array(readme.utf8), mode: 0o644, about: "this page")] + files
        modified = material.leaf.notValidBefore
    }

    /// The zip of the kit: every file under `NAME/`, so unzipping makes the kit's folder.
    func zip() throws(StoreError) -> [UInt8] {
        try ZipArchive(entries: files.map { .init(name: "\(identity)/\($0.name)", bytes: $0.bytes, mode: $0.mode, modified: modified) }).bytes()
    }

    /// The kit's file names in README order: `README.html`, `password.txt`, then the identity's files.
    static func order(of names: [String], identity: String) -> [String] {
        let known = ["README.html", "password.txt", "\(identity).crt.pem", "\(identity).key.pem", "chain.pem", "ca.pem",
                     "\(identity).crt.der", "\(identity).key.der", "\(identity).p12", "\(identity).h"]
        return known.filter(names.contains) + names.filter { !known.contains($0) }.sorted()
    }
}
