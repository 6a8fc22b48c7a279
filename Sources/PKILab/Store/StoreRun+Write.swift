import Foundation
import X509

extension StoreRun {
    /// Writes what the plan decided, in the crash-safe order: index (pending), files, index (active).
    mutating func write(fleets: [FleetSpec]) throws(StoreError) -> ApplyReport {
        let files = FileBatch()
        defer { files.discard() }

        // Derived files: chains and the root bundle, from the certificates as they will be.
        let pems = Dictionary(try finals.filter { $0.fleet == nil }.map { final throws(StoreError) in ("\(final.kind)/\(final.name)/\(final.fleet ?? "")", try pem { try final.certificate.serializeAsPEM().pemString + "\n" }) },
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
                    derived[StoredFiles(folder: final.folder).chain] = chain(from: final.name)
                }
            case (.leaf, nil):
                let leafChain = chain(from: final.issuerName)
                let files = StoredFiles(folder: final.folder)
                derived[files.chain] = leafChain
                derived[files.fullchain] = pems["leaf/\(final.name)/"]! + leafChain
            case (.leaf, .some):
                break
            }
        }
        for fleet in fleets {
            derived[directory.chain(forFleet: fleet.name)] = chain(from: fleet.issuer)
        }

        // New certificates: each folder is written whole (key, certificate, chains) and swapped into place, so a
        // folder never holds a certificate without its key. A key being kept is carried over by a hard link.
        for parent in Set(writes.map { ($0.folder as NSString).deletingLastPathComponent }).sorted() { try FileBatch.makeFolder(parent) }
        var staged: [(contents: [(name: String, bytes: [UInt8], mode: mode_t)], folder: String)] = []
        for write in writes {
            var contents: [(name: String, bytes: [UInt8], mode: mode_t)] = []
            if let keyPEM = write.encoded.keyPEM { contents.append((StoredFiles.keyName, Array(keyPEM.utf8), 0o600)) }
            contents.append((StoredFiles.certificateName, Array(write.encoded.certificatePEM.utf8), 0o644))
            for name in [StoredFiles.chainName, StoredFiles.fullchainName] {
                if let text = derived.removeValue(forKey: "\(write.folder)/\(name)") { contents.append((name, Array(text.utf8), 0o644)) }
            }
            staged.append((contents, write.folder))
        }
        try files.stageFolders(staged)
        // Derived files of certificates that did not change, rewritten only when their content differs.
        for (path, text) in derived.sorted(by: { $0.key < $1.key }) where FileManager.default.contents(atPath: path) != Data(text.utf8) {
            try FileBatch.makeFolder((path as NSString).deletingLastPathComponent)
            try files.stage(text, to: path, mode: 0o644)
        }

        // The index: drop pending entries whose files never landed, promote those that did, add the new ones.
        var next = index
        next.lab = lab.name
        let now = self.now
        /// Marks the active entries that `replacements` replace as superseded, then appends them as active.
        func activate(_ replacements: [IssuanceIndex.Entry], in entries: inout [IssuanceIndex.Entry]) {
            func key(_ entry: IssuanceIndex.Entry) -> String { "\(entry.kind)/\(entry.fleet ?? "")/\(entry.name)" }
            let replaced = Set(replacements.map(key))
            for i in entries.indices where entries[i].state == .active && replaced.contains(key(entries[i])) {
                entries[i].state = .superseded
                entries[i].supersededAt = now
            }
            entries += replacements.map { var entry = $0; entry.state = .active; return entry }
        }
        let promotedEntries = next.entries.filter { $0.state == .pending && promoted.contains($0.fingerprintSHA256) }
        next.entries.removeAll { $0.state == .pending }
        activate(promotedEntries, in: &next.entries)
        let pendingIndex = IssuanceIndex(lab: next.lab, entries: next.entries + writes.map(\.entry))
        activate(writes.map(\.entry), in: &next.entries)

        // Three batches in this order, each durable before the next moves into place; all staged first, so they
        // share barriers (FileBatch.commit(_:syncing:): four flushes, not six).
        let pendingBatch = FileBatch(), finalBatch = FileBatch()
        defer { pendingBatch.discard(); finalBatch.discard() }
        if !writes.isEmpty {
            try FileBatch.makeFolder(directory.path)
            try pendingBatch.stage(pendingIndex.encoded(), to: directory.index, mode: 0o644)
        }
        if next != index || (writes.isEmpty && FileManager.default.contents(atPath: directory.index) == nil) {
            try finalBatch.stage(next.encoded(), to: directory.index, mode: 0o644)
        }
        try FileBatch.commit([pendingBatch, files, finalBatch], syncing: directory.path)
        return ApplyReport(store: directory.path, items: items, notices: notices)
    }

    private func pem(_ body: () throws -> String) throws(StoreError) -> String {
        do { return try body() } catch { throw StoreError(.cannotWrite, "could not encode a certificate or key: \(error)") }
    }
}
