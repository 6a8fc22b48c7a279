import ArgumentParser
import Foundation
import PKILab

/// `pkilab workshop …`: what a teacher of a mutual-TLS workshop hands out.
struct Workshop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workshop",
        abstract: "Prepare a mutual-TLS workshop: one kit per attendee.",
        subcommands: [WorkshopKitsCommand.self])
}

/// `pkilab workshop kits`: a folder and a zip per identity (fleet members by default). Synchronous on purpose, like
/// `issue`: it is short CPU and file work (see ``PKILabMain``).
struct WorkshopKitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kits",
        abstract: "Write an attendee kit (certificate, key, chain, CA, DER, .p12 with its password, C header, README.html) and its zip per identity.",
        discussion: """
            Without names or --fleet: every member of every fleet (make them with pkilab fleet attendee --count 20). Each kit is \
            DIR/NAME/ and DIR/NAME.zip (default DIR: ca/workshop/kits). The .p12 password is random and kept in the kit's \
            password.txt: running again keeps it (and rewrites only what changed) unless --new-passwords. README.html has \
            the attendee's commands for curl, openssl, mosquitto and Python against the lab's endpoints at HOST.
            """)

    @OptionGroup var options: LabOptions

    @Argument(help: "Identities to make kits for: fleet members (attendee-0001) or certificates of lab.yaml.")
    var names: [String] = []

    @Option(name: .customLong("fleet"), help: ArgumentHelp("Every member of this fleet (repeatable).", valueName: "name"))
    var fleets: [String] = []

    @Option(help: ArgumentHelp("The host the kits' commands and C headers connect to (default: a name of the server certificate; a LAN address it names when the lab listens beyond this machine).", valueName: "host"))
    var host: String?

    @Option(help: ArgumentHelp("Where to write the kits (default: ca/workshop/kits).", valueName: "dir"))
    var out: String?

    @Flag(help: "Give every kit a new random .p12 password (the old .p12 files stop opening with the old ones).")
    var newPasswords = false

    @Flag(help: "Print the kits as a JSON array: [{identity, folder, zip, password, files}].")
    var json = false

    func run() throws {
        try reportingErrors {
            let lab = try options.loadLab()
            let store = options.store
            let identities = try chosenIdentities(lab: lab, store: store)
            let folder = out ?? WorkshopKits.defaultFolder(of: store)
            // The same host and ports make() resolves, for what the teacher should know (a --host the server
            // certificate does not name; the LAN address chosen). make() throws its own error if they cannot be resolved.
            let endpoints = try? ExportEndpoints.resolve(lab: lab, serving: ServingLab.running(in: store.directory, lab: lab.name), host: host,
                                                         ports: [:], serverNames: ExportEndpoints.serverNames(lab: lab, store: store),
                                                         interfaces: HostNames.interfaceAddresses())
            for warning in endpoints?.warnings ?? [] { Console.err("Warning: \(warning)") }
            let started = Date()
            let kits = try WorkshopKits.make(lab: lab, store: store, identities: identities, folder: folder, host: host, newPasswords: newPasswords)
            if json {
                Console.json(kits)
                return
            }
            let seconds = Date().timeIntervalSince(started)
            Console.out("\(kits.count) workshop kit\(kits.count == 1 ? "" : "s") in \"\(Console.path(folder))/\" (\(String(format: "%.2f", seconds)) s)\(Console.symbol("🎒"))")
            Console.table([["IDENTITY", "FOLDER", "ZIP", "P12 PASSWORD"]] + kits.map { kit in
                [kit.identity, Console.path(kit.folder) + "/", Console.path(kit.zip), kit.password]
            })
            for note in endpoints?.notes ?? [] { Console.out(note) }
            Console.out("Next: hand each attendee their zip, or serve them: pkilab up --console")
            Console.out("Each README.html has the attendee's commands; the passwords stay the same when you run this again (--new-passwords changes them).")
        }
    }

    /// The names given, then the members of each `--fleet`; without either, every fleet's members. An unknown name
    /// or fleet is a usage error (exit 64), found before anything is written.
    private func chosenIdentities(lab: Lab, store: LabStore) throws -> [String] {
        let members = try WorkshopKits.fleetMembers(in: store)
        guard !names.isEmpty || !fleets.isEmpty else {
            guard !members.isEmpty else {
                Console.error("the lab has no fleet to make kits for", hint: "make them first: pkilab fleet attendee --count 20 (or name identities: pkilab workshop kits device-001)")
                throw ExitCode(ExitStatus.notFound)
            }
            return members.keys.sorted().flatMap { members[$0]! }
        }
        for fleet in fleets where members[fleet] == nil {
            Console.error("there is no fleet named \"\(fleet)\" in \"\(Console.path(store.directory.path))\"",
                          hint: members.isEmpty ? "make it first: pkilab fleet \(fleet) --count 20" : "fleets: \(members.keys.sorted().joined(separator: ", "))")
            throw ExitCode(ExitStatus.usage)
        }
        let known = Set(members.values.joined()).union(lab.certificates.map(\.name))
        for name in names where !known.contains(name) {
            let authority = lab.authority(named: name) != nil
            Console.error(authority ? "\"\(name)\" is an authority: a kit holds a device's key, never an authority's"
                                    : "there is no certificate or fleet member named \"\(name)\" in \(lab.file)",
                          hint: "give fleet members (pkilab ls lists the fleets) or certificates of lab.yaml: \(lab.certificates.map(\.name).prefix(8).joined(separator: ", "))")
            throw ExitCode(ExitStatus.usage)
        }
        return names + fleets.flatMap { members[$0]! }
    }
}
