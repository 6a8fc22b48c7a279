import Foundation
import X509

/// What `pkilab revoke` or `pkilab unrevoke` did.
public struct RevocationChange: Sendable, Hashable {
    public var name: String
    /// The authority whose CRL lists (or listed) it.
    public var authority: String
    public var serial: String
    public var reason: RevocationReason?
    /// When it was revoked (for an unrevoke: when it had been).
    public var revokedAt: Date?
    /// False when there was nothing to do: already revoked, or not revoked.
    public var changed: Bool
    /// The number of the authority's CRL as it now is.
    public var crlNumber: Int
    public var crlPath: String
    /// True when the authority's CRL files (DER, PEM or `all.pem`) disagreed with the ledger (a killed run) and
    /// were rewritten from it, so they now say what the ledger says even though the ledger did not change.
    public var repairedList: Bool = false
    /// One line per CRL re-signed because it disagreed with the ledger (this authority's or another's).
    public var repairs: [String] = []
}

extension LabStore {
    /// How long a CRL is valid for (its nextUpdate); lists are re-signed when less than half of it is left.
    public static let crlLifetime: TimeInterval = 7 * 86_400

    /// The ledger as it is on disk (empty when nothing was ever revoked).
    public func revocationLedger() throws(StoreError) -> RevocationLedger {
        try RevocationLedger.load(from: directory.revocationLedger)
    }

    /// Revokes the current certificate of `name` (a leaf, a fleet member or an intermediate) and re-signs its
    /// authority's CRL.
    public func revoke(_ name: String, reason: RevocationReason, in lab: Lab, now: Date = Date()) throws(StoreError) -> RevocationChange {
        try changeRevocation(of: name, in: lab, now: now) { revoked, serial in
            if let existing = revoked.first(where: { $0.serial == serial }) { return (existing, false) }
            let entry = RevocationLedger.Revoked(name: name, serial: serial, reason: reason, revokedAt: now)
            revoked.append(entry)
            return (entry, true)
        }
    }

    /// Lifts the revocation of the current certificate of `name` and re-signs its authority's CRL.
    public func unrevoke(_ name: String, in lab: Lab, now: Date = Date()) throws(StoreError) -> RevocationChange {
        try changeRevocation(of: name, in: lab, now: now) { revoked, serial in
            guard let index = revoked.firstIndex(where: { $0.serial == serial }) else { return (nil, false) }
            return (revoked.remove(at: index), true)
        }
    }

    /// Under the store's lock: finds the certificate `name` stands for and its authority, lets `edit` change
    /// that authority's revoked list (returning the entry concerned and whether it changed anything), and
    /// re-signs the CRL when it did.
    private func changeRevocation(of name: String, in lab: Lab, now: Date,
                                  _ edit: (inout [RevocationLedger.Revoked], String) -> (entry: RevocationLedger.Revoked?, changed: Bool)) throws(StoreError) -> RevocationChange {
        try FileBatch.makeFolder(directory.path)
        let lock = try StoreLock(path: directory.lockFile)
        defer { withExtendedLifetime(lock) {} }
        let (certificate, authority) = try revocable(name, in: lab)
        var ledger = try revocationLedger()
        // A list a killed run left out of step with the ledger is re-signed too, whether or not this edit changes
        // anything: "nothing changed" must mean the CRL already says so.
        let torn = Set(disagreeingRevocationLists(of: lab, ledger: ledger))
        let bundleStale = !revocationBundleIsCurrent(of: lab)
        let serial = certificate.serialNumber.hexString
        var state = ledger.authorities[authority] ?? .init()
        let (entry, changed) = edit(&state.revoked, serial)
        if changed { ledger.authorities[authority] = state }
        if changed || !torn.isEmpty || bundleStale {
            ledger = try writeRevocationLists(of: lab, ledger: ledger, resign: torn.union(changed ? [authority] : []), now: now)
        }
        var repairs = torn.sorted().map {
            Self.repairNotice(authority: $0, crl: directory.crl(forAuthority: $0), ledger: directory.revocationLedger,
                              number: ledger.authorities[$0]?.crlNumber ?? 0)
        }
        if bundleStale && torn.isEmpty {
            repairs.append("\(DisplayPath.relative(directory.crlBundle)) did not hold the current CRLs (an earlier run was interrupted): rewrote it from them")
        }
        return RevocationChange(name: name, authority: authority, serial: serial, reason: entry?.reason, revokedAt: entry?.revokedAt,
                                changed: changed, crlNumber: ledger.authorities[authority]?.crlNumber ?? 0,
                                crlPath: directory.crl(forAuthority: authority), repairedList: torn.contains(authority) || bundleStale,
                                repairs: repairs)
    }

    /// Re-signs every CRL that is missing, disagrees with the ledger (a killed `revoke`), was signed by an
    /// authority certificate since replaced, or has less than half its life left. Called by every `pkilab issue`
    /// and `pkilab up` (with the store's lock held). Returns a notice when the ledger was missing although lists
    /// existed (every revocation is then lifted), and one per list repaired from the ledger.
    @discardableResult
    func refreshRevocationLists(of lab: Lab, now: Date) throws(StoreError) -> [String] {
        let lost = !FileManager.default.fileExists(atPath: directory.revocationLedger) && FileManager.default.fileExists(atPath: directory.crlBundle)
        if lost {
            _ = try writeRevocationLists(of: lab, ledger: try revocationLedger(), resign: [], now: now)
            return ["\(directory.revocationLedger) was missing: the CRLs were re-signed with nothing revoked (restore it from a backup and run pkilab issue to revoke again)"]
        }
        let repairs = try resignDisagreeingLists(of: lab, now: now)
        _ = try writeRevocationLists(of: lab, ledger: try revocationLedger(), resign: [], now: now)
        return repairs
    }

    /// ``refreshRevocationLists(of:now:)`` under the store's lock, for a running `pkilab up` (hourly).
    public func renewRevocationLists(of lab: Lab, now: Date = Date()) throws(StoreError) {
        let lock = try StoreLock(path: directory.lockFile, timeout: 10)
        defer { withExtendedLifetime(lock) {} }
        try refreshRevocationLists(of: lab, now: now)
    }

    /// The certificate `name` stands for, and the lab authority that signed it.
    private func revocable(_ name: String, in lab: Lab) throws(StoreError) -> (Certificate, String) {
        let folder: String, kind: IssuanceIndex.Kind
        do {
            (folder, kind) = try self.folder(of: name, in: lab)
        } catch where error.code == .notFound && !name.hasPrefix("zoo/") {
            let known = lab.authorities.filter { !$0.isRoot }.map(\.name) + lab.certificates.map(\.name)
            throw StoreError(.notFound, "there is no certificate named \"\(name)\" in \(lab.file)",
                             hint: "what can be revoked here: \(known.joined(separator: ", ")), and fleet members by their name")
        }
        if kind == .authority, lab.authority(named: name)?.isRoot == true {
            throw StoreError(.notFound, "\"\(name)\" is a root: no authority above it signs a CRL that could list it",
                             hint: "to stop trusting it, remove it from the devices' trust store (or replace it with pkilab issue --force)")
        }
        guard let certificate = StoredPair(folder: folder).certificate else {
            throw StoreError(.notFound, "\"\(name)\" has not been issued yet (no \(StoredFiles(folder: folder).certificate))", hint: "run pkilab issue first")
        }
        guard let authority = issuingAuthority(of: certificate, in: lab) else {
            throw StoreError(.notFound, "no authority of \(lab.file) signed the current certificate of \"\(name)\"",
                             hint: "run pkilab issue to bring the store in line with the lab, then revoke again")
        }
        return (certificate, authority.name)
    }

    /// The lab authority whose stored certificate signed `certificate`.
    func issuingAuthority(of certificate: Certificate, in lab: Lab) -> AuthoritySpec? {
        lab.authorities.first { spec in
            StoredPair(folder: directory.folder(forAuthority: spec.name)).certificate.map { certificate.isIssued(by: $0) } ?? false
        }
    }

    /// Writes the CRLs that need it (those in `resign` always), `all.pem` and the ledger, in one durable batch.
    /// The caller holds the store's lock.
    @discardableResult
    func writeRevocationLists(of lab: Lab, ledger original: RevocationLedger, resign: Set<String>, now: Date) throws(StoreError) -> RevocationLedger {
        var ledger = original
        let batch = FileBatch()
        var bundle = ""
        try FileBatch.makeFolder(directory.crlFolder)
        for spec in lab.authorities {
            guard let issued = StoredPair(folder: directory.folder(forAuthority: spec.name)).issued else { continue }
            var state = ledger.authorities[spec.name] ?? .init()
            let signer = try? issued.certificate.sha256Fingerprint
            let path = directory.crl(forAuthority: spec.name)
            let existing = FileManager.default.contents(atPath: path).flatMap { try? CertificateRevocationList(derEncoded: Array($0)) }
            let stale = (state.nextUpdate ?? .distantPast).timeIntervalSince(now) < Self.crlLifetime / 2
            if resign.contains(spec.name) || existing == nil || state.signer != signer || stale {
                // The number only grows (RFC 5280 §5.2.3), even when the ledger was lost or lags the file.
                state.crlNumber = max(state.crlNumber, existing?.number ?? 0) + 1
                state.thisUpdate = now
                state.nextUpdate = now.addingTimeInterval(Self.crlLifetime)
                state.signer = signer
                let entries = state.revoked.compactMap { revoked -> CertificateRevocationList.Entry? in
                    guard let serial = [UInt8](hex: revoked.serial) else { return nil }
                    return .init(serial: serial, revokedAt: revoked.revokedAt, reason: revoked.reason)
                }
                let list: CertificateRevocationList
                do {
                    list = try CertificateRevocationList.make(authority: issued, number: state.crlNumber, thisUpdate: now,
                                                              nextUpdate: state.nextUpdate!, entries: entries)
                } catch {
                    batch.discard()
                    throw StoreError(.cannotWrite, "could not sign the CRL of \"\(spec.name)\": \(error)")
                }
                try batch.stage(list.derBytes, to: path, mode: 0o644)
                try batch.stage(list.pemString, to: directory.crlPEM(forAuthority: spec.name), mode: 0o644)
                bundle += list.pemString
                ledger.authorities[spec.name] = state
            } else if let existing {
                bundle += existing.pemString
            }
        }
        guard ledger != original || !resign.isEmpty || !FileManager.default.fileExists(atPath: directory.crlBundle)
              || (FileManager.default.contents(atPath: directory.crlBundle).map { String(decoding: $0, as: UTF8.self) } != bundle) else {
            return ledger
        }
        // The ledger moves into place before the lists it numbers, so a crash in between never leaves a list
        // whose number the ledger does not know.
        let written = FileBatch()
        defer { written.discard(); batch.discard() }
        try written.stage(ledger.encoded(), to: directory.revocationLedger, mode: 0o644)
        try batch.stage(bundle, to: directory.crlBundle, mode: 0o644)
        try FileBatch.commit([written, batch], syncing: directory.path)
        return ledger
    }
}

extension Array where Element == UInt8 {
    /// Bytes from an even-length hex string; nil if it is not one.
    init?(hex: String) {
        guard hex.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self = bytes
    }
}
