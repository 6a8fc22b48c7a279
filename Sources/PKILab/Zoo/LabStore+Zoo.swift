import Foundation
import X509

extension LabStore {
    /// The lab authority whose certificates the zoo imitates: the one that signs the certificate the echo endpoint
    /// presents (else the first server certificate's, else the last intermediate).
    public func zooIssuer(of lab: Lab) -> AuthoritySpec? {
        let presented = lab.endpoints.first { $0.kind == .echo }.flatMap { endpoint in lab.certificates.first { $0.name == endpoint.certificate } }
        let server = presented ?? lab.certificates.first { $0.role.servesTLS }
        let name = server?.issuer ?? lab.authorities.last { !$0.isRoot }?.name ?? lab.authorities.first?.name
        return name.flatMap(lab.authority(named:))
    }

    /// The zoo as it is on disk, if it was made.
    public func zooManifest() -> ZooManifest? {
        ZooManifest.load(from: directory.zooManifest)
    }

    /// Makes the zoo's bad servers and bad clients under `ca/zoo/`, unless the zoo there is still current (same
    /// authorities, younger than ``ZooManifest/maximumAge``). Its revoked server and client go on the issuing
    /// authority's CRL. Run ``apply(_:fleets:force:now:waiting:progress:)`` first.
    @discardableResult
    public func prepareZoo(for lab: Lab, now: Date = Date()) throws(StoreError) -> (manifest: ZooManifest, made: Bool) {
        try FileBatch.makeFolder(directory.path)
        let lock = try StoreLock(path: directory.lockFile)
        defer { withExtendedLifetime(lock) {} }
        guard let issuerSpec = zooIssuer(of: lab), let rootSpec = lab.ancestry(of: issuerSpec.name).last,
              let issuer = StoredPair(folder: directory.folder(forAuthority: issuerSpec.name)).issued,
              let root = StoredPair(folder: directory.folder(forAuthority: rootSpec.name)).issued else {
            throw StoreError(.notFound, "the lab's authorities are not in \"\(directory.path)\" yet", hint: "run pkilab issue first")
        }
        let issuerFingerprint = (try? issuer.certificate.sha256Fingerprint) ?? ""
        let rootFingerprint = (try? root.certificate.sha256Fingerprint) ?? ""
        if let manifest = zooManifest(), manifest.issuerFingerprint == issuerFingerprint, manifest.rootFingerprint == rootFingerprint,
           now.timeIntervalSince(manifest.madeAt) < ZooManifest.maximumAge, now >= manifest.madeAt,
           (manifest.servers + manifest.clients).allSatisfy({ FileManager.default.fileExists(atPath: StoredFiles(folder: $0.folder).fullchain) }) {
            return (manifest, false)
        }
        let names = lab.certificates.first { $0.name == lab.endpoints.first(where: { $0.kind == .echo })?.certificate }?.names
            ?? lab.certificates.first { $0.role.servesTLS }?.names
            ?? [.dns("localhost"), .dns("127.0.0.1")]
        let chain = lab.ancestry(of: issuerSpec.name).filter { !$0.isRoot }.compactMap {
            StoredPair(folder: directory.folder(forAuthority: $0.name)).certificate
        }
        var maker = ZooMaker(directory: directory, now: now, issuer: issuer, issuerChain: chain, root: root, names: names,
                             crlURL: "\(lab.crlBaseURL)/\(issuerSpec.name).crl", ocspURL: lab.ocspURL)
        let servers: [ZooMaker.Made]
        let clients: [ZooMaker.Made]
        do {
            servers = try maker.servers()
            clients = try maker.clients()
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.cannotWrite, "could not make the zoo: \(error)")
        }
        let manifest = ZooManifest(madeAt: now, issuer: issuerSpec.name, issuerFingerprint: issuerFingerprint, rootFingerprint: rootFingerprint,
                                   servers: servers.map(\.item), clients: clients.map(\.item))
        // The revoked server and client replace the zoo's earlier ones on the CRL: first, so that a crash before the
        // zoo lands leaves at worst serials of certificates that never existed on the list (the next run remakes the zoo).
        var ledger = try revocationLedger()
        var touched: Set<String> = [issuerSpec.name]
        for (name, var state) in ledger.authorities where state.revoked.contains(where: \.zoo) {
            state.revoked.removeAll(where: \.zoo)
            ledger.authorities[name] = state
            touched.insert(name)
        }
        var state = ledger.authorities[issuerSpec.name] ?? .init()
        state.revoked += maker.revokedSerials.map { .init(name: $0.name, serial: $0.serial, reason: .keyCompromise, revokedAt: now, zoo: true) }
        ledger.authorities[issuerSpec.name] = state
        try writeRevocationLists(of: lab, ledger: ledger, resign: touched, now: now)
        let batch = FileBatch()
        for folder in [directory.zooFolder, "\(directory.zooFolder)/servers", "\(directory.zooFolder)/clients"] {
            try FileBatch.makeFolder(folder)
        }
        try batch.stageFolders((servers + clients).map { ($0.files, $0.folder) })
        try batch.stage(manifest.encoded(), to: directory.zooManifest, mode: 0o644)
        try batch.commit(syncing: directory.path)

        return (manifest, true)
    }
}
