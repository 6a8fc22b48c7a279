import Foundation
import PKILab
import X509

/// Checks that a store is consistent, the way the next user of it would find out otherwise.
public enum StoreChecks {
    /// Problems that hold at any moment, even right after a run was killed: no certificate without its key,
    /// no index entry marked active whose certificate is not the one on disk — unless a pending entry for that name
    /// is: a run writes the index with the new certificates as pending, moves their folders into place, then
    /// promotes them, so a run killed between the last two steps leaves exactly that (the next run promotes them).
    public static func invariantProblems(_ store: String) -> [String] {
        var problems: [String] = []
        for folder in certificateFolders(store) {
            let certPath = "\(folder)/cert.pem", keyPath = "\(folder)/key.pem"
            guard let certText = try? String(contentsOfFile: certPath, encoding: .utf8) else { continue }
            guard let certificate = try? Certificate(pemEncoded: certText) else { problems.append("\(certPath) is not a certificate"); continue }
            guard let keyText = try? String(contentsOfFile: keyPath, encoding: .utf8), let key = try? Certificate.PrivateKey(pemEncoded: keyText) else {
                problems.append("\(certPath) has no readable key.pem"); continue
            }
            if key.publicKey != certificate.publicKey { problems.append("\(keyPath) is not the key of \(certPath)") }
        }
        if let data = FileManager.default.contents(atPath: "\(store)/index.json") {
            guard let index = try? JSONDecoder.iso.decode(IssuanceIndex.self, from: data) else { return problems + ["index.json does not parse"] }
            for entry in index.entries where entry.state == .active {
                let folder = entry.kind == .authority ? "\(store)/authorities/\(entry.name)"
                    : entry.fleet.map { "\(store)/fleet/\($0)/\(entry.name)" } ?? "\(store)/certs/\(entry.name)"
                let onDisk = (try? String(contentsOfFile: "\(folder)/cert.pem", encoding: .utf8)).flatMap { try? Certificate(pemEncoded: $0) }
                let pending = index.entries.filter { $0.state == .pending && $0.kind == entry.kind && $0.fleet == entry.fleet && $0.name == entry.name }
                let fingerprint = try? onDisk?.sha256Fingerprint
                if fingerprint != entry.fingerprintSHA256 && !pending.contains(where: { $0.fingerprintSHA256 == fingerprint }) {
                    problems.append("index.json says \(entry.name) is \(entry.fingerprintSHA256.prefix(12))…, but its cert.pem is not")
                }
            }
        }
        return problems
    }

    /// Problems after a run completed: the invariants, plus every name has exactly one active entry, nothing
    /// temporary is left behind, and OpenSSL verifies every leaf with its chain.
    public static func completeProblems(_ store: String, names: [String]) throws -> [String] {
        var problems = invariantProblems(store)
        let all = FileManager.default.enumerator(atPath: store)?.allObjects as? [String] ?? []
        problems += all.filter { $0.contains(".pkilab-tmp-") || $0.contains(".pkilab-old-") }.map { "left behind: \($0)" }
        guard let data = FileManager.default.contents(atPath: "\(store)/index.json"),
              let index = try? JSONDecoder.iso.decode(IssuanceIndex.self, from: data) else { return problems + ["no index.json"] }
        for name in names where index.entries.filter({ $0.name == name && $0.state == .active }).count != 1 {
            problems.append("\(name) has \(index.entries.filter { $0.name == name && $0.state == .active }.count) active index entries")
        }
        if index.entries.contains(where: { $0.state == .pending }) { problems.append("index.json still has pending entries") }
        for folder in certificateFolders(store) where folder.contains("/certs/") {
            let result = try Run.program("openssl", ["verify", "-x509_strict", "-CAfile", "\(store)/root.pem", "-untrusted", "\(folder)/chain.pem", "\(folder)/cert.pem"])
            if result.status != 0 { problems.append("openssl verify \(folder): \(result.stdout)\(result.stderr)") }
        }
        return problems
    }

    public static func certificateFolders(_ store: String) -> [String] {
        var folders: [String] = []
        for section in ["authorities", "certs"] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: "\(store)/\(section)")) ?? [] where !name.hasPrefix(".") {
                folders.append("\(store)/\(section)/\(name)")
            }
        }
        return folders.sorted()
    }
}

extension JSONDecoder {
    public static var iso: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
