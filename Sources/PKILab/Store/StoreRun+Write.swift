import Foundation
import X509

extension StoreRun {
    /// Writes what the plan decided, in the crash-safe order: index (pending), files, index (active).
    mutating func write(fleets: [FleetSpec]) throws(StoreError) -> ApplyReport {
        let files = FileBatch()
        defer { files.discard() }

        // New certificates and keys. A key goes into place before its certificate, so a certificate is never
        // on disk without its key.
        for folder in Set(writes.map(\.folder)).sorted() { try FileBatch.makeFolder(folder) }
        for write in writes {
            if write.writeKey {
                try files.stage(pem { try write.issued.privateKeyPEM }, to: "\(write.folder)/key.pem", mode: 0o600)
            }
            try files.stage(pem { try write.issued.certificatePEM }, to: "\(write.folder)/cert.pem", mode: 0o644)
        }

        // Derived files, rewritten only when their content differs.
        let pems = Dictionary(try finals.map { final throws(StoreError) in ("\(final.kind)/\(final.name)/\(final.fleet ?? "")", try pem { try final.certificate.serializeAsPEM().pemString + "\n" }) },
                              uniquingKeysWith: { $1 })
        func authorityPEM(_ name: String) -> String { pems["authority/\(name)/"] ?? "" }
        /// The PEMs of `name` and its parents, without the root.
        func chain(from name: String?) -> String {
            lab.ancestry(of: name ?? "").filter { !$0.isRoot }.map { authorityPEM($0.name) }.joined()
        }
        var derived: [(path: String, text: String)] = []
        derived.append((directory.rootBundle, lab.authorities.filter(\.isRoot).map { authorityPEM($0.name) }.joined()))
        for final in finals {
            switch (final.kind, final.fleet) {
            case (.authority, _):
                if lab.authority(named: final.name)?.isRoot == false {
                    derived.append(("\(final.folder)/chain.pem", chain(from: final.name)))
                }
            case (.leaf, nil):
                let leafChain = chain(from: final.issuerName)
                derived.append(("\(final.folder)/chain.pem", leafChain))
                derived.append(("\(final.folder)/fullchain.pem", pems["leaf/\(final.name)/"]! + leafChain))
            case (.leaf, .some):
                break
            }
        }
        for fleet in fleets {
            derived.append(("\(directory.folder(forFleet: fleet.name))/chain.pem", chain(from: fleet.issuer)))
        }
        for (path, text) in derived where FileManager.default.contents(atPath: path) != Data(text.utf8) {
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
