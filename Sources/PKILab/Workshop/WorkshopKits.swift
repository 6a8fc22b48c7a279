import Foundation

/// Attendee kits for a mutual-TLS workshop (`pkilab workshop kits`): for each identity, a folder `KITS/NAME/`
/// with everything an attendee needs to connect as that identity, and `KITS/NAME.zip` with the same files.
///
/// Making kits again is idempotent: the p12 password is read back from the kit's `password.txt` (unless new
/// passwords are asked for), a `.p12` that still opens with it and holds the same certificate is kept, and a file
/// is replaced only when its bytes change — each whole (temporary file, one flush, rename), like the rest of the
/// store. A reissued certificate gives new files and keeps the password.
public enum WorkshopKits {
    /// `<store>/workshop/kits`
    public static func defaultFolder(of store: LabStore) -> String {
        "\(store.directory.path)/workshop/kits"
    }

    /// The kits already written in `folder` (identity = folder name with NAME.zip beside it), sorted by identity.
    public static func list(in folder: String) -> [WorkshopKit] {
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: folder) else { return [] }
        var kits: [WorkshopKit] = []
        for identity in names.sorted() where !identity.hasPrefix(".") && !identity.hasSuffix(".zip") {
            let path = "\(folder)/\(identity)"
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue,
                  manager.fileExists(atPath: "\(path).zip") else { continue }
            let files = ((try? manager.contentsOfDirectory(atPath: path)) ?? []).filter { !$0.hasPrefix(".") && !$0.contains(".pkilab-tmp-") }
            let password = (try? String(contentsOfFile: "\(path)/password.txt", encoding: .utf8)).flatMap(WorkshopPassword.read) ?? ""
            kits.append(WorkshopKit(identity: identity, folder: path, zip: "\(path).zip", password: password,
                                    files: WorkshopKitContents.order(of: files, identity: identity)))
        }
        return kits
    }

    /// Writes (or refreshes) the kits of `identities`.
    ///
    /// - Parameters:
    ///   - identities: lab certificates or fleet members (``fleetMembers(in:fleets:)``); repeated names count once.
    ///   - folder: where the kits go (``defaultFolder(of:)`` unless the teacher chose another).
    ///   - host: the host the README's commands and the C header connect to; nil for the lab's own choice (a name
    ///     of the server certificate, or this machine's LAN address when the lab listens beyond it), as
    ///     ``ExportEndpoints`` resolves it. Ports are the running lab's, else lab.yaml's.
    ///   - newPasswords: give every kit a new random password instead of the one in its `password.txt`.
    /// - Returns: the kits, in the order of `identities`.
    /// - Throws: ``StoreError`` `.notFound` for a name that is not a lab certificate or fleet member (or is an
    ///   authority), before anything is written; `.cannotWrite` when the folder cannot be written.
    public static func make(lab: Lab, store: LabStore, identities: [String], folder: String, host: String?,
                            newPasswords: Bool) throws(StoreError) -> [WorkshopKit] {
        var seen: Set<String> = []
        let names = identities.filter { seen.insert($0).inserted }
        let endpoints = try ExportEndpoints.resolve(lab: lab, serving: ServingLab.running(in: store.directory, lab: lab.name), host: host,
                                                    ports: [:], serverNames: ExportEndpoints.serverNames(lab: lab, store: store),
                                                    interfaces: HostNames.interfaceAddresses())
        var materials: [ExportMaterial] = []
        for name in names {
            guard !name.isEmpty, !name.hasPrefix("."), !name.contains("/") else {
                throw StoreError(.notFound, "\"\(name)\" cannot have a workshop kit: kits are for the lab's certificates and fleet members",
                                 hint: "give a name such as attendee-0001 (pkilab ls lists them)")
            }
            var material = try ExportMaterial(store: store, lab: lab, name: name)
            material.host = endpoints.host
            material.mqttPort = endpoints.mqttPort
            material.echoPort = endpoints.echoPort
            material.httpsPort = endpoints.httpsPort
            if material.otaURL != nil { material.otaURL = ExportMaterial.otaURL(host: endpoints.host, httpsPort: endpoints.httpsPort) }
            materials.append(material)
        }
        var kits: [WorkshopKit] = []
        let batch = FileBatch()
        do {
            try FileBatch.makeFolder(folder)
            for material in materials {
                let kitFolder = "\(folder)/\(material.name)"
                let p12Path = "\(kitFolder)/\(material.name).p12"
                let kept = newPasswords ? nil : (try? String(contentsOfFile: "\(kitFolder)/password.txt", encoding: .utf8)).flatMap(WorkshopPassword.read)
                let contents = try WorkshopKitContents(material: material, lab: lab, password: kept ?? WorkshopPassword.make(),
                                                       existingP12: FileManager.default.contents(atPath: p12Path).map { Array($0) })
                try FileBatch.makeFolder(kitFolder)
                for file in contents.files {
                    try stageIfChanged(file.bytes, to: "\(kitFolder)/\(file.name)", mode: file.mode, in: batch)
                }
                try stageIfChanged(try contents.zip(), to: "\(kitFolder).zip", mode: 0o600, in: batch)
                kits.append(WorkshopKit(identity: material.name, folder: kitFolder, zip: "\(kitFolder).zip", password: contents.password,
                                        files: contents.files.map(\.name)))
            }
            try batch.commit(syncing: folder)
        } catch {
            batch.discard()
            throw error
        }
        return kits
    }

    /// The members of the store's fleets (``LabStore/index()``'s active fleet entries), by fleet, each list
    /// sorted; only `fleets` when it is not empty (a fleet the store does not have is simply absent).
    public static func fleetMembers(in store: LabStore, fleets: [String] = []) throws(StoreError) -> [String: [String]] {
        var members: [String: [String]] = [:]
        for entry in try store.index()?.entries ?? [] where entry.state == .active {
            guard let fleet = entry.fleet, fleets.isEmpty || fleets.contains(fleet) else { continue }
            members[fleet, default: []].append(entry.name)
        }
        return members.mapValues { Array(Set($0)).sorted() }
    }

    /// Stages `bytes` for `path` unless the file already holds exactly them with `mode`.
    private static func stageIfChanged(_ bytes: [UInt8], to path: String, mode: mode_t, in batch: FileBatch) throws(StoreError) {
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & 0o7777 == mode, info.st_size == bytes.count,
           let existing = FileManager.default.contents(atPath: path), existing.elementsEqual(bytes) {
            return
        }
        try batch.stage(bytes, to: path, mode: mode)
    }
}
