import Foundation
import PKILab

/// The person-readable text of `pkilab show`.
struct CertificateExplainer {
    let description: CertificateDescription
    let chain: [CertificateDescription]
    let verdict: ChainVerdict
    let folder: String?

    func print() {
        // The certificate may come from anywhere (pkilab show FILE): every value from it is escaped.
        let e = { (text: String) in TerminalText.escaped(text) }
        let d = description
        let name = e(d.commonName ?? d.subject)
        let kind: String
        if d.isAuthority {
            kind = d.selfSigned ? "a root certificate authority" : "an intermediate certificate authority"
        } else {
            switch d.role {
            case .server?: kind = "a TLS server certificate"
            case .client?: kind = "a TLS client certificate (for a device or user)"
            case .both?: kind = "a certificate for both TLS servers and clients"
            case nil: kind = "a certificate with no TLS purpose"
            }
        }
        Console.out(Console.bold("\"\(name)\" is \(kind)."))
        Console.out()
        Console.out("  Subject      \(e(d.subject))")
        Console.out("  Issued by    \(d.selfSigned ? "itself (self-signed)" : e(d.issuer))")
        Console.out("  Valid        \(LabDate.human(d.notBefore)) to \(LabDate.human(d.notAfter)) (\(remaining(d.notAfter)))")
        Console.out("  Key          \(d.key), signed with \(d.signatureAlgorithm)")
        if d.isAuthority {
            Console.out("  Authority    may sign " + (d.pathLength.map { $0 == 0 ? "end-entity certificates only (path length 0)" : "up to \($0) more authorit\($0 == 1 ? "y" : "ies") below it" } ?? "certificates and authorities without limit"))
            if let nc = d.nameConstraints { Console.out("  Constraints  \(nc) (critical: some device stacks refuse this)") }
        } else {
            Console.out("  Valid for    " + (d.names.isEmpty ? "(no names)" : d.names.map(e).joined(separator: ", ")))
            if d.names.contains(where: { $0.hasPrefix("IP:") }) {
                let copies = d.names.filter { $0.hasPrefix("IP:") }.filter { ip in d.names.contains("DNS:" + ip.dropFirst(3)) }
                if !copies.isEmpty { Console.out("               (IP addresses also as DNS names, which ESP32/ESP8266 stacks match)") }
            }
            Console.out("  Purpose      " + (d.extendedKeyUsage.isEmpty ? "any" : d.extendedKeyUsage.joined(separator: ", ")) + "; key usage " + d.keyUsage.joined(separator: ", "))
        }
        Console.out("  Serial       \(d.serial)")
        Console.out("  SHA-256      \(d.fingerprintSHA256)")
        if !chain.isEmpty {
            Console.out()
            Console.out("  Chain        \(name)")
            for link in chain {
                Console.out("               ↳ \(e(link.commonName ?? link.subject))\(link.selfSigned ? " (root, the trust anchor)" : "") — until \(LabDate.human(link.notAfter))")
            }
        }
        if let folder {
            Console.out()
            // Only the files that are there: a fleet member has cert.pem and key.pem, and shares its fleet's chain.pem.
            let files = StoredFiles(folder: folder.isEmpty ? "." : folder)
            let names = files.existingFiles.map { path in
                path == files.sharedFleetChain ? "../\(StoredFiles.chainName) (shared by the fleet)" : (path as NSString).lastPathComponent
            }
            if names.isEmpty {
                Console.out("  Files        none in \(Console.path(files.folder))")
            } else {
                Console.out("  Files        \(Console.path(files.folder))/: \(names.joined(separator: ", "))")
            }
        }
        Console.out()
        Console.out(e(verdict.message) + Console.symbol(verdict.valid ? "✅" : "❌"))
        if let hint = verdict.hint { Console.out("  \(e(hint))") }
    }

    private func remaining(_ date: Date) -> String {
        let days = Int(date.timeIntervalSinceNow / 86_400)
        if days < 0 { return "expired \(-days) day\(days == -1 ? "" : "s") ago" }
        if days > 730 { return "\(days / 365) years left" }
        return "\(days) day\(days == 1 ? "" : "s") left"
    }
}
