import Crypto
import Foundation
import SwiftASN1
import X509
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Brings a certificate store in line with a lab: issues what is missing, reissues what changed, repairs
/// what an interrupted run left half-done, and leaves everything else byte for byte as it was.
///
/// A run takes the store's lock, decides everything in memory (refusing before anything is written if it
/// would replace an authority's key or subject without `force`), then writes in one durable batch: the
/// index first lists the new certificates as pending, then the files move into place, then the index marks
/// them active.
public struct LabStore: Sendable {
    public var directory: CADirectory

    public init(path: String) {
        directory = CADirectory(path: path)
    }

    /// Applies `lab` (and any `fleets`) to the store.
    ///
    /// - Parameters:
    ///   - force: allow replacing an authority whose key type or subject changed.
    ///   - waiting: called once if another run holds the lock.
    ///   - progress: called with (done, total) while fleet members are issued.
    public func apply(_ lab: Lab, fleets: [FleetSpec] = [], force: Bool = false, now: Date = Date(),
                      waiting: () -> Void = {}, progress: (@Sendable (Int, Int) -> Void)? = nil) throws(StoreError) -> ApplyReport {
        let created = !FileManager.default.fileExists(atPath: directory.path)
        try FileBatch.makeFolder(directory.path)
        do {
            return try applyLocked(lab, fleets: fleets, force: force, now: now, waiting: waiting, progress: progress)
        } catch {
            // A first run that failed leaves no empty store behind (rmdir removes only an empty folder).
            if created { rmdir(directory.path) }
            throw error
        }
    }

    private func applyLocked(_ lab: Lab, fleets: [FleetSpec], force: Bool, now: Date, waiting: () -> Void,
                             progress: (@Sendable (Int, Int) -> Void)?) throws(StoreError) -> ApplyReport {
        let lock = try StoreLock(path: directory.lockFile, waiting: waiting)
        defer { withExtendedLifetime(lock) {} }
        FileBatch.removeLeftovers(in: directory.path)

        var run = try StoreRun(directory: directory, lab: lab, force: force, now: now)
        try run.planAuthorities()
        let leaves = lab.certificates + fleets.flatMap { $0.members(lab: lab) }
        try run.planLeaves(leaves, progress: progress)
        var report = try run.write(fleets: fleets)
        report.notices += try refreshRevocationLists(of: lab, now: now)
        return report
    }

    /// The index as it is on disk (empty when the store has never been written).
    public func index() throws(StoreError) -> IssuanceIndex? {
        try IssuanceIndex.load(from: directory.index)
    }
}

/// The state of one run against the store: what is on disk, what will be, and the report.
struct StoreRun {
    let directory: CADirectory
    let lab: Lab
    let force: Bool
    let now: Date
    var index: IssuanceIndex
    /// Authorities as they will be after the run, by name.
    var authorities: [String: IssuedCertificate] = [:]
    var items: [ApplyReport.Item] = []
    var notices: [String] = []
    /// Newly issued certificates to write, with their folder and index entry.
    var writes: [(folder: String, entry: IssuanceIndex.Entry, encoded: Encoded)] = []
    /// Pending entries that turned out to be on disk, by fingerprint.
    var promoted: Set<String> = []
    /// Every certificate as it will be after the run, for the derived files (chains, root bundle).
    var finals: [(name: String, kind: IssuanceIndex.Kind, fleet: String?, folder: String, certificate: Certificate, issuerName: String?)] = []

    init(directory: CADirectory, lab: Lab, force: Bool, now: Date) throws(StoreError) {
        self.directory = directory
        self.lab = lab
        self.force = force
        self.now = now
        index = try IssuanceIndex.load(from: directory.index) ?? IssuanceIndex(lab: lab.name)
    }

    // MARK: Deciding

    mutating func planAuthorities() throws(StoreError) {
        for spec in lab.authorities {
            let folder = directory.folder(forAuthority: spec.name)
            let stored = StoredPair(folder: folder)
            let parent = spec.parent.flatMap { authorities[$0] }
            let digest = Self.digest(spec.specDigestText)
            let decision = try decideAuthority(spec, stored: stored, parent: parent, digest: digest)
            if stored.isPaired, let fingerprint = try? stored.certificate?.sha256Fingerprint,
               index.entries.contains(where: { $0.state == .pending && $0.fingerprintSHA256 == fingerprint }) {
                promoted.insert(fingerprint)
            }
            let issued: IssuedCertificate
            do {
                switch decision.action {
                case .unchanged:
                    issued = stored.issued!
                case .created, .reissued:
                    issued = try CertificateIssuer.authority(spec, key: try spec.key.generate(), issuer: parent, now: now)
                case .resigned, .renewed, .repaired:
                    issued = try CertificateIssuer.authority(spec, key: decision.key!, issuer: parent, now: now)
                }
            } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError(.cannotWrite, "could not issue authority \"\(spec.name)\": \(error)")
            }
            authorities[spec.name] = issued
            try record(name: spec.name, kind: .authority, fleet: nil, folder: folder, issued: issued, decision: decision,
                       digest: digest, role: nil, names: [], issuerName: spec.parent, keyAlgorithm: spec.key)
        }
        let declared = Set(lab.authorities.map(\.name) + lab.certificates.map(\.name))
        for entry in index.entries where entry.state == .active && entry.fleet == nil && !declared.contains(entry.name) {
            let folder = entry.kind == .authority ? directory.folder(forAuthority: entry.name) : directory.folder(forCertificate: entry.name)
            notices.append("\"\(entry.name)\" is in \"\(folder)\" but no longer in \(lab.file); it was left as it is (delete the folder if you no longer need it)")
        }
    }

    mutating func planLeaves(_ leaves: [LeafSpec], progress: (@Sendable (Int, Int) -> Void)?) throws(StoreError) {
        struct Planned: Sendable {
            var spec: LeafSpec
            var folder: String
            var digest: String
            var action: ApplyReport.Action
            var reason: String?
            var issued: IssuedCertificate
            var encoded: Encoded
            var promoted: String?
        }
        let authorities = self.authorities
        let index = self.index
        let activeByName = Dictionary(index.entries.filter { $0.state == .active }.map { ("\($0.fleet ?? "")/\($0.name)", $0) }, uniquingKeysWith: { $1 })
        let pendingByFingerprint = Dictionary(index.entries.filter { $0.state == .pending }.map { ($0.fingerprintSHA256, $0) }, uniquingKeysWith: { $1 })
        let now = self.now
        let directory = self.directory
        let done = Counter()
        let total = leaves.count
        let planned: [Planned]
        do {
            // Threads only when they pay: many leaves, or any RSA key to generate (milliseconds to seconds each).
            let expensive = leaves.contains { $0.key != .ecP256 && $0.key != .ecP384 && $0.key != .ed25519 }
            planned = try leaves.parallelMap(threshold: expensive ? 2 : Self.parallelLeafThreshold) { spec -> Planned in
                let folder = directory.folder(for: spec)
                let issuer = authorities[spec.issuer]!
                let stored = StoredPair(folder: folder)
                let digest = Self.digest(spec.specDigestText)
                let fingerprint = try stored.certificate?.sha256Fingerprint
                var record = activeByName["\(spec.fleet ?? "")/\(spec.name)"]
                var isPromoted: String? = nil
                if let fingerprint, record?.fingerprintSHA256 != fingerprint, let pending = pendingByFingerprint[fingerprint], stored.isPaired {
                    record = pending
                    isPromoted = fingerprint
                } else if record?.fingerprintSHA256 != fingerprint {
                    record = nil
                }
                let decision = Self.decideLeaf(spec, stored: stored, record: record, issuer: issuer, digest: digest, now: now)
                let issued: IssuedCertificate
                switch decision.action {
                case .unchanged: issued = stored.issued!
                case .created, .reissued: issued = try CertificateIssuer.leaf(spec, key: try spec.key.generate(), issuer: issuer, now: now)
                default: issued = try CertificateIssuer.leaf(spec, key: decision.key!, issuer: issuer, now: now)
                }
                if let progress { progress(done.increment(), total) }
                let encoded = try Encoded(issued, withKey: decision.action != .unchanged && decision.key == nil)
                return Planned(spec: spec, folder: folder, digest: digest, action: decision.action, reason: decision.reason,
                               issued: issued, encoded: encoded, promoted: isPromoted)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.cannotWrite, "could not issue a certificate: \(error)")
        }
        for plan in planned {
            if let fingerprint = plan.promoted { promoted.insert(fingerprint) }
            try record(name: plan.spec.name, kind: .leaf, fleet: plan.spec.fleet, folder: plan.folder, issued: plan.issued, encoded: plan.encoded,
                       decision: (plan.action, plan.reason, nil), digest: plan.digest, role: plan.spec.role,
                       names: plan.spec.names.map(\.description), issuerName: plan.spec.issuer, keyAlgorithm: plan.spec.key)
            notices += plan.spec.notices.map { "\(plan.spec.name): \($0)" }
        }
    }

    /// Below this many leaves with elliptic-curve or Ed25519 keys (about 0.1 ms each to make and sign), one thread
    /// issues them all: starting Dispatch's workers for a small lab cost more than the work.
    static let parallelLeafThreshold = 16

    typealias Decision = (action: ApplyReport.Action, reason: String?, key: Certificate.PrivateKey?)

    private func decideAuthority(_ spec: AuthoritySpec, stored: StoredPair, parent: IssuedCertificate?,
                                 digest: String) throws(StoreError) -> Decision {
        let wantedSubject = try? spec.subject.distinguishedName()
        if let issued = stored.issued {
            let certificate = issued.certificate
            var changes: [String] = []
            let currentKey = KeyAlgorithm(certificate.publicKey)
            if currentKey != spec.key { changes.append("its key would change from \(currentKey?.description ?? "an unknown kind") to \(spec.key)") }
            if certificate.subject != wantedSubject { changes.append("its subject would change from \"\(certificate.subject)\" to \"\(spec.subject)\"") }
            if !changes.isEmpty {
                guard force else {
                    throw StoreError(
                        .authorityChangeRefused,
                        "refusing to replace authority \"\(spec.name)\": \(changes.joined(separator: " and ")). Every certificate it signed, and every device that trusts it, would stop working.",
                        hint: "Nothing was changed. Undo the edit in \(lab.file), or run again with --force to create a new \"\(spec.name)\" (and reissue everything below it).")
                }
                return (.reissued, changes.joined(separator: "; ") + " (--force)", nil)
            }
            let fingerprint = try? certificate.sha256Fingerprint
            let record = index.entries.last { $0.name == spec.name && $0.kind == .authority && $0.fingerprintSHA256 == fingerprint && $0.state != .superseded }
            let signedByParent = parent.map { certificate.isIssued(by: $0.certificate) } ?? (certificate.issuer == certificate.subject)
            if record == nil { return (.resigned, "it was not in the index", issued.privateKey) }
            if !signedByParent { return (.resigned, "its parent \"\(spec.parent ?? "")\" changed", issued.privateKey) }
            if record!.specDigest != digest { return (.resigned, "its validity, path length or name constraints changed", issued.privateKey) }
            if let change = Self.revocationURLChange(certificate, crl: spec.crlURL, ocsp: spec.ocspURL) { return (.resigned, change, issued.privateKey) }
            if spec.validity.isRelative && certificate.isNearExpiry(at: now) { return (.renewed, "it expires on \(LabDate.human(certificate.notValidAfter))", issued.privateKey) }
            return (.unchanged, nil, nil)
        }
        if let key = stored.key, KeyAlgorithm(key.publicKey) == spec.key, stored.certificate == nil || stored.certificate?.publicKey != key.publicKey {
            return (.repaired, "an earlier run stopped before its certificate was written", key)
        }
        if stored.certificate != nil && stored.key == nil && !force {
            throw StoreError(.authorityChangeRefused,
                             "authority \"\(spec.name)\" has a certificate but its key.pem is missing or unreadable",
                             hint: "Nothing was changed. Restore \"\(directory.authority(spec.name).key)\", or run again with --force to create a new authority.")
        }
        return (.created, nil, nil)
    }

    static func decideLeaf(_ spec: LeafSpec, stored: StoredPair, record: IssuanceIndex.Entry?, issuer: IssuedCertificate,
                           digest: String, now: Date) -> Decision {
        if let issued = stored.issued {
            let certificate = issued.certificate
            if KeyAlgorithm(certificate.publicKey) != spec.key { return (.reissued, "its key type changed to \(spec.key)", nil) }
            guard let record else { return (.resigned, "it was not in the index", issued.privateKey) }
            if record.specDigest != digest { return (.reissued, "its entry in the lab changed", nil) }
            if let change = revocationURLChange(certificate, crl: spec.crlURL, ocsp: spec.ocspURL) { return (.resigned, change, issued.privateKey) }
            if !certificate.isIssued(by: issuer.certificate) { return (.resigned, "its authority \"\(spec.issuer)\" changed", issued.privateKey) }
            if spec.validity.isRelative && certificate.isNearExpiry(at: now) { return (.renewed, "it expires on \(LabDate.human(certificate.notValidAfter))", issued.privateKey) }
            return (.unchanged, nil, nil)
        }
        if let key = stored.key, KeyAlgorithm(key.publicKey) == spec.key {
            return (.repaired, "an earlier run stopped before its certificate was written", key)
        }
        return (.created, nil, nil)
    }

    private mutating func record(name: String, kind: IssuanceIndex.Kind, fleet: String?, folder: String, issued: IssuedCertificate,
                                 encoded precomputed: Encoded? = nil, decision: Decision, digest: String, role: LeafRole?, names: [String], issuerName: String?,
                                 keyAlgorithm: KeyAlgorithm) throws(StoreError) {
        let certificate = issued.certificate
        let encoded: Encoded
        do {
            encoded = try precomputed ?? Encoded(issued, withKey: decision.action != .unchanged && decision.key == nil)
        } catch {
            throw StoreError(.cannotWrite, "could not encode \"\(name)\": \(error)")
        }
        let fingerprint = encoded.fingerprint
        let entry = IssuanceIndex.Entry(
            name: name, kind: kind, fleet: fleet, serial: certificate.serialNumber.hexString, fingerprintSHA256: fingerprint,
            specDigest: digest, subject: certificate.subject.description, issuer: certificate.issuer.description,
            notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter, issuedAt: now, supersededAt: nil,
            state: .pending)
        if decision.action != .unchanged {
            writes.append((folder, entry, encoded))
        }
        finals.append((name, kind, fleet, folder, certificate, issuerName))
        items.append(ApplyReport.Item(
            name: name, kind: kind, fleet: fleet, action: decision.action, reason: decision.reason, role: role,
            subject: certificate.subject.description, key: keyAlgorithm, names: names, notAfter: certificate.notValidAfter,
            issuerName: issuerName, folder: folder, serial: certificate.serialNumber.hexString, fingerprintSHA256: fingerprint))
    }

    /// Why a certificate must be re-signed (same key) for the CRL and OCSP URLs it should carry, or nil.
    static func revocationURLChange(_ certificate: Certificate, crl: String?, ocsp: String?) -> String? {
        let current = CertificateProfile.revocationURLs(of: certificate)
        guard current.crl != crl || current.ocsp != ocsp else { return nil }
        if current.crl == nil && current.ocsp == nil { return "it gains a CRL distribution point and an OCSP URL (same key)" }
        return "its CRL and OCSP URLs become \(crl ?? "none") and \(ocsp ?? "none") (same key)"
    }

    static func digest(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).lowercaseHex
    }
}
