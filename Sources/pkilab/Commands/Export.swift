import ArgumentParser
import Foundation
import PKILab

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a lab identity's certificate, key and CA in the files a firmware project uses.",
        discussion: """
            Formats: \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", ")). Each export is one folder \
            (default: ca/exports/NAME/FORMAT/) with a README.txt saying what is where and how many bytes each file \
            is. Key files are 0600. Running it again changes nothing unless the certificate changed. A file in the \
            folder that pkilab did not write (or that was edited since) is never overwritten without --force: the \
            folder's .pkilab-export.json lists what pkilab wrote. The c, arduino and esp-idf exports carry the \
            lab's host and ports: the real ports of a running pkilab up for this store, else lab.yaml's.
            """)

    @OptionGroup var options: LabOptions

    @Argument(help: "A certificate of the lab (device-001), or a fleet member (pkilab fleet attendee --count 3 makes attendee-0001 … attendee-0003).")
    var name: String

    @Option(help: ArgumentHelp("pem, der, c, arduino, esp-idf, bearssl or p12.", valueName: "format"))
    var format: String

    @Option(help: ArgumentHelp("The folder to write (default: ca/exports/NAME/FORMAT).", valueName: "dir"))
    var out: String?

    @Flag(help: "pem: write key.pem in its traditional form (SEC1 EC PRIVATE KEY / PKCS#1 RSA PRIVATE KEY).")
    var traditional = false

    @Flag(help: "der: write private.der as PKCS#8 instead of SEC1 / PKCS#1.")
    var pkcs8 = false

    @Option(help: ArgumentHelp("p12: the password, as openssl -passout takes it: env:VAR, file:PATH, fd:N, stdin (or -), pass:TEXT. Plain TEXT still works but, like pass:, is visible to other users in the process list.",
                               valueName: "source"))
    var password: String?

    @Flag(help: "p12: 3DES with a SHA-1 MAC, for older Java, Android and macOS.")
    var legacy = false

    @Option(help: ArgumentHelp("esp-idf: the ESP-IDF version the bundle is for (5.4 and later use the offsets layout).", valueName: "version"))
    var idfVersion = "5.4"

    @Option(help: ArgumentHelp("c, arduino, esp-idf: the host devices connect to (default: a name of the server certificate; a LAN address it names when the lab listens beyond this machine).", valueName: "host"))
    var host: String?

    @Option(name: .customLong("port"), help: ArgumentHelp("c, arduino, esp-idf: the port of the endpoint NAME (repeatable), e.g. mqtt=8883; default: the running lab's, else lab.yaml's.", valueName: "name=port"))
    var ports: [String] = []

    @Flag(help: "Overwrite files in the export folder that pkilab did not write, or that were changed since.")
    var force = false

    @Flag(help: "Print what was written as JSON.")
    var json = false

    struct Output: Encodable {
        struct File: Encodable {
            var path: String
            var bytes: Int
            var changed: Bool
            var about: String
        }
        var name: String
        var format: String
        var folder: String
        var files: [File]
    }

    func run() async throws {
        try reportingErrors {
            guard let format = ExportFormat(rawValue: format.lowercased()) else {
                Console.error("\"\(format)\" is not an export format", hint: "use one of \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
                throw ExitCode(ExitStatus.usage)
            }
            guard let layout = ESPCertificateBundle.Layout(idfVersion: idfVersion) else {
                Console.error("\"\(idfVersion)\" is not an ESP-IDF version", hint: "write it like 4.4, 5.3.2 or 5.4")
                throw ExitCode(ExitStatus.usage)
            }
            let secret = try format == .p12 ? readPassword() : nil
            let lab = try options.loadLab()
            let store = options.store
            var material = try ExportMaterial(store: store, lab: lab, name: name)
            var notes: [String] = []
            if let unknown = try namedPorts().keys.sorted().first(where: { name in !lab.endpoints.contains { $0.name == name } }) {
                Console.error("--port \(unknown)=…: \(lab.file) has no endpoint named \"\(unknown)\"", hint: "endpoints: \(lab.endpoints.map(\.name).joined(separator: ", "))")
                throw ExitCode(ExitStatus.usage)
            }
            if [.c, .arduino, .espIDF].contains(format) {
                let endpoints = try ExportEndpoints.resolve(lab: lab, serving: ServingLab.running(in: store.directory, lab: lab.name), host: host,
                                                            ports: try namedPorts(), serverNames: ExportEndpoints.serverNames(lab: lab, store: store),
                                                            interfaces: HostNames.interfaceAddresses())
                material.host = endpoints.host
                material.mqttPort = endpoints.mqttPort
                material.echoPort = endpoints.echoPort
                material.httpsPort = endpoints.httpsPort
                if material.otaURL != nil { material.otaURL = ExportMaterial.otaURL(host: endpoints.host, httpsPort: endpoints.httpsPort) }
                notes = endpoints.notes
                for warning in endpoints.warnings { Console.err("Warning: \(warning)") }
            }
            var settings = ExportOptions()
            settings.traditional = traditional
            settings.pkcs8 = pkcs8
            settings.password = secret
            settings.legacy = legacy
            settings.bundleLayout = layout
            settings.idfVersion = idfVersion
            let folder = out ?? store.directory.folder(forExport: name, format: format.rawValue)
            let files = try Exporter.files(format, material, options: settings)
            let changed: Set<String>
            do throws(ExportWriteError) {
                changed = Set(try Exporter.write(files, format: format, material: material, options: settings, to: folder, force: force,
                                                 adoptingUnlisted: out == nil).map(\.path))
            } catch {
                switch error {
                case .store(let error): throw error
                case .refused(let refusal): throw refusal
                }
            }
            if json {
                Console.json(Output(name: name, format: format.rawValue, folder: folder,
                                    files: files.map { .init(path: $0.path, bytes: $0.bytes.count, changed: changed.contains($0.path), about: $0.about) }))
                return
            }
            Console.out(changed.isEmpty ? "Export \"\(Console.path(folder))\" is up to date." : "Exported \"\(name)\" as \(format.rawValue) → \(Console.path(folder))/")
            let width = files.map(\.path.count).max() ?? 0
            for file in files {
                let mark = changed.contains(file.path) ? "+" : "="
                Console.out("  \(mark) \(file.path.padding(toLength: width, withPad: " ", startingAt: 0))  \(String(file.bytes.count).leftPadded(6)) bytes  \(file.about)")
            }
            for note in notes { Console.out(note) }
            Console.out("For: \(format.usedBy). README.txt says what is where.")
        }
    }
}

extension Export {
    /// `--port NAME=PORT` values by endpoint name; a malformed one is a usage error (exit 64).
    private func namedPorts() throws -> [String: Int] {
        var result: [String: Int] = [:]
        for value in ports {
            let parts = value.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let port = Int(parts[1]), (1...65535).contains(port) else {
                Console.error("--port \(value) is not NAME=PORT", hint: "write it like --port mqtt=8883 (a port from 1 to 65535)")
                throw ExitCode(ExitStatus.usage)
            }
            result[parts[0]] = port
        }
        return result
    }

    /// The p12 password from `--password SOURCE`; a missing password, variable or file is a usage error (exit 64).
    private func readPassword() throws -> String {
        guard let password else {
            Console.error("a PKCS#12 file needs a password", hint: "add --password env:VAR, file:PATH or stdin (use --legacy for old Java, Android and macOS)")
            throw ExitCode(ExitStatus.usage)
        }
        do {
            let source = try PasswordSource(parsing: password)
            if source.isOnCommandLine {
                Console.err("Note: a password on the command line can be read by other users of this machine while pkilab runs (ps, /proc/PID/cmdline); --password env:VAR, file:PATH or stdin keep it out of sight.")
            }
            return try source.read()
        } catch {
            Console.error(error.message, hint: error.hint)
            throw ExitCode(ExitStatus.usage)
        }
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
