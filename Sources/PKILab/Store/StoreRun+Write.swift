import Foundation
import X509

extension StoreRun {
    /// Writes what the plan decided, in the crash-safe order: index (pending), files, index (active).
    mutating func write(fleets: [FleetSpec]) throws(StoreError) -> ApplyReport {
        let files = FileBatch()
        defer { files.discard() }

        // Derived files: chains and the root bundle, from the certificates as they will be.
        let pems = Dictionary(try finals.map { final throws(StoreError) in ("\(final.kind)/\(final.name)/\(final.fleet ?? "")", try pem { try final.certificate.serializeAsPEM().pemString + "\n" }) },
                              uniquingKeysWith: { $1 })
        func authorityPEM(_ name: String) -> String { pems["authority/\(name)/"] ?? "" }
        /// The PEMs of `name` and its parents, without the root.
        func chain(from name: String?) -> String {
            lab.ancestry(of: name ?? "").filter { !$0.isRoot }.map { authorityPEM($0.name) }.joined()
        }
        var derived: [String: String] = [directory.rootBundle: lab.authorities.filter(\.isRoot).map { authorityPEM($0.name) }.joined()]
        for final in finals {
            switch (final.kind, final.fleet) {
            case (.authority, _):
                if lab.authority(named: final.name)?.isRoot == false {
                    derived["\(final.folder)/chain.pem"] = chain(from: final.name)
                }
            case (.leaf, nil):
                let leafChain = chain(from: final.issuerName)
                derived["\(final.folder)/chain.pem"] = leafChain
                derived["\(final.folder)/fullchain.pem"] = pems["leaf/\(final.name)/"]! + leafChain
            case (.leaf, .some):
                break
            }
        }
        for fleet in fleets {
            derived["\(directory.folder(forFleet: fleet.name))/chain.pem"] = chain(from: fleet.issuer)
        }

        // New certificates: each folder is written whole (key, certificate, chains) and swapped into place, so a
        // folder never holds a certificate without its key. A key being kept is carried over by a hard link.
        for parent in Set(writes.map { ($0.folder as NSString).deletingLastPathComponent }).sorted() { try FileBatch.makeFolder(parent) }
        for write in writes {
            var contents: [(name: String, bytes: [UInt8], mode: mode_t)] = []
            if write.writeKey { contents.append(("key.pem", Array(try pem { try write.issued.privateKeyPEM }.utf8), 0o600)) }
            contents.append(("cert.pem", Array(try pem { try write.issued.certificatePEM }.utf8), 0o644))
            for name in ["chain.pem", "fullchain.pem"] {
                if let text = derived.removeValue(forKey: "\(write.folder)/\(name)") { contents.append((name, Array(text.utf8), 0o644)) }
            }
            try files.stageFolder(contents, replacing: write.folder)
        }
        // Derived files of certificates that did not change, rewritten only when their content differs.
        for (path, text) in derived.sorted(by: { $0.key < $1.key }) where FileManager.default.contents(atPath: path) != Data(text.utf8) {
            try FileBatch.makeFolder((path as NSString).deletingLastPathComponent)
            try files.stage(text, to: path, mode: 0o644)
        }

        // The index: drop pending entries whose files never landed, promote those that did, add the new ones.
        var next = index
        next.lab = lab.name
        let now = self.now
        func activate(_ entry: IssuanceIndex.Entry, in entries: inout [IssuanceIndex.Entry]) {
            for i in entries.indices where entries[i].name == entry.name && entries[i].fleet == entry.fleet
                && entries[i].kind == entry.kind && entries[i].state == .active {
                entries[i].state = .superseded
                entries[i].supersededAt = now
            }
        }
        let promotedEntries = next.entries.filter { $0.state == .pending && promoted.contains($0.fingerprintSHA256) }
        next.entries.removeAll { $0.state == .pending }
        for var entry in promotedEntries {
            activate(entry, in: &next.entries)
            entry.state = .active
            next.entries.append(entry)
        }
        let pendingIndex = IssuanceIndex(lab: next.lab, entries: next.entries + writes.map(\.entry))
        for write in writes {
            var entry = write.entry
            activate(entry, in: &next.entries)
            entry.state = .active
            next.entries.append(entry)
        }

        if !writes.isEmpty {
            try FileBatch.makeFolder(directory.path)
            let indexBatch = FileBatch()
            try indexBatch.stage(pendingIndex.encoded(), to: directory.index, mode: 0o644)
            try indexBatch.commit(syncing: directory.path)
        }
        try files.commit(syncing: directory.path)
        if next != index || FileManager.default.contents(atPath: directory.index) == nil {
            let indexBatch = FileBatch()
            try indexBatch.stage(next.encoded(), to: directory.index, mode: 0o644)
            try indexBatch.commit(syncing: directory.path)
        }
        return ApplyReport(store: directory.path, items: items, notices: notices)
    }

    private func pem(_ body: () throws -> String) throws(StoreError) -> String {
        do { return try body() } catch { throw StoreError(.cannotWrite, "could not encode a certificate or key: \(error)") }
    }
}
