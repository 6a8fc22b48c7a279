import Foundation
import SwiftASN1
import X509

/// One row of `pkilab ls`: a certificate the lab declares (or a fleet), and what the store holds for it.
public struct InventoryRow: Sendable, Codable {
    public var name: String
    public var kind: IssuanceIndex.Kind
    /// `root`, `intermediate`, `server`, `client`, `both`, or `fleet`.
    public var role: String
    public var issuer: String?
    public var folder: String
    /// Nil when nothing has been issued yet.
    public var certificate: CertificateDescription?
    /// For a fleet row: how many members it has.
    public var members: Int?
    /// Export formats present under `exports/NAME/` (`pkilab export`).
    public var exports: [String]
    /// Its current certificate is on its authority's CRL (`pkilab revoke`).
    public var revoked: Bool = false
    /// An authority above it is revoked.
    public var authorityRevoked: Bool = false
}

extension LabStore {
    /// What the store holds for every authority and certificate of `lab`, and for each fleet.
    public func inventory(of lab: Lab) throws(StoreError) -> [InventoryRow] {
        var rows: [InventoryRow] = []
        for authority in lab.authorities {
            let folder = directory.folder(forAuthority: authority.name)
            rows.append(InventoryRow(name: authority.name, kind: .authority, role: authority.isRoot ? "root" : "intermediate",
                                     issuer: authority.parent, folder: folder,
                                     certificate: StoredPair(folder: folder).certificate.map(CertificateDescription.init),
                                     members: nil, exports: []))
        }
        for leaf in lab.certificates {
            let folder = directory.folder(forCertificate: leaf.name)
            let exports = ExportFormat.allCases.map(\.rawValue).filter {
                FileManager.default.fileExists(atPath: directory.folder(forExport: leaf.name, format: $0) + "/README.txt")
            }
            rows.append(InventoryRow(name: leaf.name, kind: .leaf, role: leaf.role.rawValue, issuer: leaf.issuer, folder: folder,
                                     certificate: StoredPair(folder: folder).certificate.map(CertificateDescription.init),
                                     members: nil, exports: exports))
        }
        let fleetEntries = (try index()?.entries ?? []).filter { $0.state == .active && $0.fleet != nil }
        for fleet in Set(fleetEntries.compactMap(\.fleet)).sorted() {
            let members = fleetEntries.filter { $0.fleet == fleet }
            let first = members.first.map { directory.folder(forFleetMember: $0.name, of: fleet) }
            rows.append(InventoryRow(name: fleet, kind: .leaf, role: "fleet",
                                     issuer: members.first?.issuer, folder: directory.folder(forFleet: fleet),
                                     certificate: first.flatMap { StoredPair(folder: $0).certificate.map(CertificateDescription.init) },
                                     members: members.count, exports: []))
        }
        let revoked = Set(((try? revocationLedger()) ?? RevocationLedger()).all.map(\.revoked.serial))
        for index in rows.indices where rows[index].members == nil {
            rows[index].revoked = rows[index].certificate.map { revoked.contains($0.serial) } ?? false
        }
        // Below a revoked authority, everything is refused too.
        var revokedAuthorities = Set(rows.filter { $0.kind == .authority && $0.revoked }.map(\.name))
        for authority in lab.authorities where authority.parent.map(revokedAuthorities.contains) == true { revokedAuthorities.insert(authority.name) }
        for index in rows.indices where !rows[index].revoked {
            rows[index].authorityRevoked = rows[index].issuer.map(revokedAuthorities.contains) ?? false
        }
        return rows
    }

    /// A verifier that trusts the lab's roots and knows its intermediates, as they are in the store.
    public func verifier(for lab: Lab) -> ChainVerifier {
        var roots: [Certificate] = []
        var intermediates: [Certificate] = []
        for authority in lab.authorities {
            guard let certificate = StoredPair(folder: directory.folder(forAuthority: authority.name)).certificate else { continue }
            if authority.isRoot { roots.append(certificate) } else { intermediates.append(certificate) }
        }
        let stored = lab.authorities.compactMap { spec in
            StoredPair(folder: directory.folder(forAuthority: spec.name)).certificate.map { (spec.name, $0) }
        }
        return ChainVerifier(roots: roots, intermediates: intermediates, revocation: RevocationChecker(directory: directory, authorities: stored))
    }

    /// The folder that holds `name`: an authority, a certificate, or a fleet member.
    public func folder(of name: String, in lab: Lab) throws(StoreError) -> (folder: String, kind: IssuanceIndex.Kind) {
        if name.hasPrefix("zoo/") {
            let client = String(name.dropFirst(4))
            guard let scenario = ZooClient(rawValue: client) else {
                throw StoreError(.notFound, "the zoo has no client \"\(client)\"",
                                 hint: "the zoo's clients: \(ZooClient.allCases.map { "zoo/\($0.rawValue)" }.joined(separator: ", "))")
            }
            let folder = directory.folder(forZooClient: scenario.rawValue)
            guard FileManager.default.fileExists(atPath: StoredFiles(folder: folder).certificate) else {
                throw StoreError(.notFound, "the zoo has not been made in \"\(directory.path)\" yet", hint: "run pkilab zoo (or pkilab up --zoo) first")
            }
            return (folder, .leaf)
        }
        if lab.authority(named: name) != nil { return (directory.folder(forAuthority: name), .authority) }
        if lab.certificates.contains(where: { $0.name == name }) { return (directory.folder(forCertificate: name), .leaf) }
        if let entry = try index()?.entries.last(where: { $0.name == name && $0.fleet != nil && $0.state == .active }) {
            return (directory.folder(forFleetMember: name, of: entry.fleet!), .leaf)
        }
        let known = lab.authorities.map(\.name) + lab.certificates.map(\.name)
        throw StoreError(.notFound, "there is no certificate named \"\(name)\" in \(lab.file)",
                         hint: "names in this lab: \(known.joined(separator: ", ")); or give a file path")
    }
}

/// Reading certificates from PEM or DER files.
public enum CertificateFile {
    /// Every certificate in a PEM file (in order), or the one certificate of a DER file.
    public static func read(path: String) throws(StoreError) -> [Certificate] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StoreError(.notFound, "there is no file \"\(path)\"", hint: "check the path (pkilab ls shows where each certificate is)")
        }
        if let text = String(data: data, encoding: .utf8), text.contains("-----BEGIN") {
            let documents = (try? PEMDocument.parseMultiple(pemString: text)) ?? []
            let certificates = documents.filter { $0.discriminator == "CERTIFICATE" }.compactMap { try? Certificate(derEncoded: $0.derBytes) }
            guard !certificates.isEmpty else {
                let isKey = text.contains("PRIVATE KEY-----")
                throw StoreError(.cannotRead, "\"\(path)\" holds no certificate" + (isKey ? " (it is a private key)" : ""),
                                 hint: isKey ? "give the cert.pem beside it" : "give a PEM or DER certificate file")
            }
            return certificates
        }
        guard let certificate = try? Certificate(derEncoded: Array(data)) else {
            throw StoreError(.cannotRead, "\"\(path)\" is neither a PEM nor a DER certificate", hint: "give a cert.pem or cert.der file")
        }
        return [certificate]
    }
}
