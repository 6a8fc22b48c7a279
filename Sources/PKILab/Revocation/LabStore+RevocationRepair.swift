import Foundation

extension LabStore {
    /// Authorities whose CRL (`ca/crl/NAME.crl`, or the `.crl.pem` beside it) does not list exactly the serials
    /// the ledger revokes: what a run killed between writing `revocations.json` and the lists leaves behind.
    /// The ledger is the truth; an authority that was never issued has no list to disagree.
    func disagreeingRevocationLists(of lab: Lab, ledger: RevocationLedger) -> [String] {
        lab.authorities.compactMap { spec -> String? in
            guard StoredPair(folder: directory.folder(forAuthority: spec.name)).certificate != nil else { return nil }
            let revoked = Set((ledger.authorities[spec.name]?.revoked ?? []).compactMap { [UInt8](hex: $0.serial) })
            let path = directory.crl(forAuthority: spec.name)
            guard let der = FileManager.default.contents(atPath: path) else {
                // No list yet: it disagrees only if the ledger revokes something under this authority.
                return revoked.isEmpty ? nil : spec.name
            }
            guard let list = try? CertificateRevocationList(derEncoded: Array(der)),
                  Set(list.entries.map(\.serial)) == revoked,
                  FileManager.default.contents(atPath: directory.crlPEM(forAuthority: spec.name)).map({ String(decoding: $0, as: UTF8.self) }) == list.pemString
            else { return spec.name }
            return nil
        }
    }

    /// Whether `ca/crl/all.pem` holds exactly the current lists, in the lab's order (a run killed between
    /// renaming the lists and the bundle leaves the old bundle, which is what Mosquitto, nginx and curl read).
    func revocationBundleIsCurrent(of lab: Lab) -> Bool {
        let expected = lab.authorities.compactMap { spec -> String? in
            guard StoredPair(folder: directory.folder(forAuthority: spec.name)).certificate != nil,
                  let der = FileManager.default.contents(atPath: directory.crl(forAuthority: spec.name)),
                  let list = try? CertificateRevocationList(derEncoded: Array(der)) else { return nil }
            return list.pemString
        }.joined()
        let bundle = FileManager.default.contents(atPath: directory.crlBundle).map { String(decoding: $0, as: UTF8.self) }
        return bundle == expected || (bundle == nil && expected.isEmpty)
    }

    /// Brings every CRL back in line with the ledger if a killed `revoke`/`unrevoke` left them apart, for the
    /// commands that otherwise only read the store (`pkilab ls`, `verify`, `show`). Takes the store's lock only
    /// when something disagrees. Returns one line per list re-signed (empty when all agree).
    public func repairRevocationLists(of lab: Lab, now: Date = Date()) throws(StoreError) -> [String] {
        // An unreadable ledger is no truth to repair from: pkilab issue and revoke report it.
        guard let ledger = try? revocationLedger(),
              !disagreeingRevocationLists(of: lab, ledger: ledger).isEmpty || !revocationBundleIsCurrent(of: lab) else { return [] }
        let lock = try StoreLock(path: directory.lockFile, timeout: 10)
        defer { withExtendedLifetime(lock) {} }
        return try resignDisagreeingLists(of: lab, now: now)
    }

    /// Re-signs, from the ledger, every list that disagrees with it, and rewrites a bundle that lags behind
    /// the lists (the caller holds the store's lock). Returns one line per file repaired.
    func resignDisagreeingLists(of lab: Lab, now: Date) throws(StoreError) -> [String] {
        let ledger = try revocationLedger()
        let torn = disagreeingRevocationLists(of: lab, ledger: ledger)
        let bundleCurrent = revocationBundleIsCurrent(of: lab)
        guard !torn.isEmpty || !bundleCurrent else { return [] }
        // Re-signing rewrites the bundle too; with nothing to re-sign, the write still rebuilds a stale bundle.
        let written = try writeRevocationLists(of: lab, ledger: ledger, resign: Set(torn), now: now)
        let notices = torn.map { Self.repairNotice(authority: $0, crl: directory.crl(forAuthority: $0), ledger: directory.revocationLedger,
                                                   number: written.authorities[$0]?.crlNumber ?? 0) }
        guard torn.isEmpty else { return notices }
        return ["\(DisplayPath.relative(directory.crlBundle)) did not hold the current CRLs (an earlier run was interrupted): rewrote it from them"]
    }

    static func repairNotice(authority: String, crl: String, ledger: String, number: Int) -> String {
        "\(DisplayPath.relative(crl)) did not list what \(DisplayPath.relative(ledger)) revokes under \"\(authority)\" (an earlier run was "
            + "interrupted between the two): re-signed it from the ledger as CRL number \(number)"
    }
}
