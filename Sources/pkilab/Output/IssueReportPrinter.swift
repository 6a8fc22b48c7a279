import Foundation
import PKILab

/// mkcert-style lines for a run of `pkilab issue`: what was made, where it is, and what to run next.
struct IssueReportPrinter {
    let lab: Lab
    let report: ApplyReport

    func print() {
        let store = Console.path(report.store)
        let labItems = report.items.filter { $0.fleet == nil }
        let changed = labItems.filter { $0.action != .unchanged }
        if changed.isEmpty {
            let authorities = labItems.filter { $0.kind == .authority }.count
            let leaves = labItems.count - authorities
            Console.out("Nothing to do: \"\(store)\" already matches \(lab.file) (\(authorities) authorit\(authorities == 1 ? "y" : "ies"), \(leaves) certificate\(leaves == 1 ? "" : "s"))\(Console.symbol("👍"))")
            printNotices()
            return
        }
        for item in changed { line(for: item) }
        printNotices()
        Console.out()
        Console.out("Everything is in \"\(store)/\". The trust anchor for devices and clients is \"\(store)/root.pem\".")
        if let server = lab.certificates.first(where: { $0.role.servesTLS }) {
            let files = LabStore(path: report.store).directory.certificate(server.name)
            Console.out("A server presents \"\(Console.path(files.fullchain))\" with \"\(Console.path(files.key))\".")
            let host = server.names.first { if case .dns = $0 { return !$0.value.hasPrefix("*") } else { return false } }?.value ?? "localhost"
            Console.out("Next: pkilab ls  ·  pkilab verify \(Console.path(files.certificate)) --host \(host) --purpose server")
        } else {
            Console.out("Next: pkilab ls  ·  pkilab show NAME")
        }
    }

    private func line(for item: ApplyReport.Item) {
        let until = "valid until \(LabDate.human(item.notAfter))"
        let what: String
        switch (item.kind, item.role) {
        case (.authority, _):
            let cn = lab.authority(named: item.name)?.subject.commonName ?? item.name
            let isRoot = lab.authority(named: item.name)?.isRoot ?? false
            what = (isRoot ? "root CA" : "intermediate CA") + " \"\(cn)\" (\(item.key))" + (isRoot ? "" : ", signed by \"\(item.issuerName ?? "")\"")
        case (.leaf, let role):
            what = "\(role?.rawValue ?? "leaf") certificate \"\(item.name)\" (\(item.key))"
        }
        let verb: String
        switch item.action {
        case .created: verb = item.kind == .authority ? "Created" : "Issued"
        case .reissued: verb = "Reissued"
        case .resigned: verb = "Re-signed (same key)"
        case .renewed: verb = "Renewed (same key)"
        case .repaired: verb = "Completed"
        case .unchanged: return
        }
        let symbol = item.kind == .authority ? "🔐" : (item.role == .client ? "📟" : "🖥")
        var text = "\(verb) \(what), \(until)"
        if let reason = item.reason { text += ": \(reason)" }
        Console.out(text + Console.symbol(symbol))
        if item.kind == .leaf {
            if item.role == .client, let cn = lab.certificates.first(where: { $0.name == item.name })?.subject.commonName {
                Console.out("  CN=\(cn)")
            }
            for name in item.names { Console.out("  - \(name)") }
        }
        Console.out("  → \(Console.path(item.folder))/")
    }

    private func printNotices() {
        for notice in report.notices { Console.out("Note: \(notice)") }
        if lab.certificates.contains(where: { $0.names.contains { $0.value.hasPrefix("*.") } }) && report.changed {
            Console.out("Reminder: a wildcard covers one label only: \"*.lab.test\" matches \"a.lab.test\", not \"a.b.lab.test\".")
        }
    }
}
