import ArgumentParser
import Foundation
import PKILab

struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the lab's certificates: role, subject, names, key, expiry, issuer.")

    @OptionGroup var options: LabOptions

    @Flag(help: "Print the list as JSON.")
    var json = false

    func run() async throws {
        try reportingErrors {
            let lab = try options.loadLab()
            let rows = try options.openStore(for: lab).inventory(of: lab)
            if json { Console.json(rows); return }
            var table: [[String]] = [["NAME", "ROLE", "SUBJECT", "NAMES", "KEY", "EXPIRES", "ISSUER", "EXPORTS"]]
            for row in rows {
                guard let certificate = row.certificate else {
                    table.append([row.name, row.role, "(not issued: run pkilab issue)", "", "", "", row.issuer ?? "", ""])
                    continue
                }
                var names = certificate.names.joined(separator: ", ")
                if names.count > 48 {
                    let shown = certificate.names.prefix(3).joined(separator: ", ")
                    names = "\(shown) +\(certificate.names.count - 3) more"
                }
                if let members = row.members { names = "\(members) devices" }
                let expired = certificate.notAfter < Date()
                let expires = LabDate.iso(certificate.notAfter).prefix(10) + (expired ? " (EXPIRED)" : "") + (row.revoked ? " (REVOKED)" : row.authorityRevoked ? " (CA REVOKED)" : "")
                table.append([row.name, row.role, certificate.subject, names, certificate.key, String(expires), row.issuer ?? "(self)",
                              row.exports.joined(separator: ",")])
            }
            Console.table(table)
            Console.out()
            Console.out("Store: \"\(Console.path(options.storePath))\". Details: pkilab show NAME")
        }
    }
}
