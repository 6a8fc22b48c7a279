import ArgumentParser
import Foundation
import PKILab

struct Fleet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "Issue N numbered device certificates (CN = client id = NAME-0001 …) in ca/fleet/NAME/.",
        discussion: "Applies lab.yaml first, like issue. Running it again with the same options writes nothing.")

    @OptionGroup var options: LabOptions

    @Argument(help: "The fleet's name, also its members' prefix (device → device-0001).")
    var name: String

    @Option(help: "How many devices.")
    var count: Int

    @Option(help: "The first number.")
    var start = 1

    @Option(help: "The authority that signs them (default: the lab's only bottom authority).")
    var issuer: String?

    @Option(help: "Key type (default: the lab's default key).")
    var key: String?

    @Option(help: "Lifetime, e.g. 825d or 2y (default: the lab's default).")
    var validity: String?

    @Flag(help: "Print what was done as JSON.")
    var json = false

    func validate() throws {
        guard (1...1_000_000).contains(count) else { throw ValidationError("Please give a --count from 1 to 1000000.") }
        guard start >= 0 else { throw ValidationError("Please give a --start of 0 or more.") }
        guard !name.isEmpty, !name.hasPrefix("."), name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw ValidationError("Please give a fleet name of letters, digits, \"-\", \"_\" and \".\".")
        }
    }

    func run() async throws {
        try reportingErrors {
            let lab = try options.loadLab()
            let bottom = lab.bottomAuthorities
            guard let issuerName = issuer ?? (bottom.count == 1 ? bottom[0].name : nil), lab.authority(named: issuerName) != nil else {
                Console.error(issuer.map { "there is no authority named \"\($0)\" in \(lab.file)" } ?? "the lab has several authorities that could sign the fleet",
                              hint: "pass --issuer with one of: \(lab.authorities.map(\.name).joined(separator: ", "))")
                throw ExitCode(ExitStatus.usage)
            }
            guard let keyAlgorithm = key.map({ KeyAlgorithm(rawValue: $0.lowercased()) }) ?? lab.defaults.key else {
                Console.error("\"\(key!)\" is not a key type pkilab makes", hint: "use one of \(KeyAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))")
                throw ExitCode(ExitStatus.usage)
            }
            guard let lifetime = validity.map({ LabDuration(parsing: $0) }) ?? lab.defaults.leafValidity else {
                Console.error("\"\(validity!)\" is not a duration", hint: "write a number and a unit: 90d, 2y, 12h")
                throw ExitCode(ExitStatus.usage)
            }
            let fleet = FleetSpec(name: name, count: count, start: start, issuer: issuerName, key: keyAlgorithm,
                                  validity: ValiditySpec(duration: lifetime, skew: lab.defaults.skew))
            let progress = Console.Progress(label: "Issuing \(name)")
            let started = Date()
            let report = try options.apply(lab, fleets: [fleet], progress: { progress.update($0, $1) })
            if json { Console.json(report); return }
            let members = report.items.filter { $0.fleet == name }
            let written = members.filter { $0.action != .unchanged }.count
            let seconds = Date().timeIntervalSince(started)
            let folder = Console.path(options.store.directory.folder(forFleet: name))
            if written == 0 {
                Console.out("Nothing to do: fleet \"\(name)\" already has its \(members.count) devices in \"\(folder)\"\(Console.symbol("👍"))")
            } else {
                let rate = seconds > 0 ? String(format: " (%.0f per second)", Double(written) / seconds) : ""
                Console.out("Issued \(written) client certificate\(written == 1 ? "" : "s") for fleet \"\(name)\" in \(String(format: "%.2f", seconds)) s\(rate)\(Console.symbol("📟"))")
                Console.out("  \(fleet.memberNames.first!) … \(fleet.memberNames.last!), \(keyAlgorithm), signed by \"\(issuerName)\"")
                Console.out("  Each device has \"\(folder)/NAME/\(StoredFiles.certificateName)\" and \"\(StoredFiles.keyName)\"; the chain they share is \"\(folder)/\(StoredFiles.chainName)\".")
                Console.out("  For firmware: pkilab export \(fleet.memberNames.first!) --format pem (or der, c, arduino, esp-idf, bearssl, p12).")
            }
            for notice in report.notices { Console.out("Note: \(notice)") }
        }
    }
}
