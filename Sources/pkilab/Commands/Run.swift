import ArgumentParser
import Foundation
import PKILab
import PKILabEndpoints
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Stand up a throw-away lab on free ports, run a command against it, stop it, and sum up its connections.",
        discussion: """
            For CI: pkilab run -- ./device-test.sh. The lab (--lab, default lab.yaml) is issued into a new temporary \
            store (or --dir), every endpoint listens on a free port, and the command gets PKILAB_* variables: \
            PKILAB_CA, PKILAB_DIR, PKILAB_LAB, PKILAB_EVENTS, PKILAB_READY_FILE, per identity PKILAB_<NAME>_CERT, _KEY, \
            _CHAIN, _FULLCHAIN and per endpoint PKILAB_<NAME>_URL, _HOST, _PORT (names in capitals, - as _: \
            PKILAB_DEVICE_001_KEY, PKILAB_MQTT_PORT). Each connection is one line on stderr as it happens; at the end \
            a summary (and the zoo report with --zoo). Exit status: the command's; else 1 when a --fail-on check \
            fails; 64/65/69 when the lab could not start (the command is then not run).
            """)

    @OptionGroup var options: LabOptions

    @Option(name: .customLong("port"), help: ArgumentHelp("Port of the endpoint NAME instead of a free one (repeatable; off switches it off).", valueName: "name=port"))
    var ports: [String] = []

    @Option(help: ArgumentHelp("Listen on this address (default lab.yaml's, 127.0.0.1).", valueName: "address"))
    var bind: String?

    @Flag(help: "Also serve the zoo, and print its report at the end.")
    var zoo = false

    @Option(help: ArgumentHelp("Exit 1 (when the command succeeded) if: rejected (any connection or request was refused), zoo (the device accepted a bad server, refused the good one, or never met the zoo), no-connections, or reason:CODE (an event with that reason). Repeatable.", valueName: "check"))
    var failOn: [String] = []

    @Flag(help: "Keep the temporary store afterwards (its path is printed).")
    var keep = false

    @Flag(help: "Do not print each connection as it happens (the summary still is).")
    var quiet = false

    @Option(help: "Seconds a client has to finish the TLS handshake.")
    var handshakeTimeout: Int64 = 10

    @Option(help: ArgumentHelp("Run every TLS listener on this library (default: each endpoint's tls_engine:, else $PKILAB_TLS_ENGINE, else boringssl).",
                               valueName: "openssl|boringssl"))
    var tlsEngine: EndpointSpec.TLSEngine?

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The command to run, after --.", valueName: "command"))
    var command: [String] = []

    func validate() throws {
        guard !program.isEmpty else { throw ValidationError("Please give the command to run after --, e.g. pkilab run -- ./device-test.sh") }
        try PortArguments.validate(ports, mode: nil)
        for check in failOn where !Self.checks.contains(check) && !(check.hasPrefix("reason:") && check.count > 7) {
            throw ValidationError("Please give --fail-on one of \(Self.checks.joined(separator: ", ")) or reason:CODE (not \"\(check)\").")
        }
        if let bind, CertificateName.parseIP(bind) == nil, bind != "localhost" {
            throw ValidationError("Please give --bind an IP address such as 127.0.0.1 or 0.0.0.0.")
        }
        guard (1...600).contains(handshakeTimeout) else { throw ValidationError("Please give a --handshake-timeout from 1 to 600 seconds.") }
        _ = try EndpointSpec.TLSEngine.chosen(tlsEngine)
    }

    static let checks = ["rejected", "zoo", "no-connections"]

    /// The command without the `--` separator.
    var program: [String] { command.first == "--" ? Array(command.dropFirst()) : command }

    func run() async throws {
        let signals = LabSignals()
        var options = self.options
        let temporary = options.dir == nil && ProcessInfo.processInfo.environment["PKILAB_DIR"].map(\.isEmpty) != false
        if temporary { options.dir = try Self.makeTemporaryStore() }
        defer {
            if temporary && !keep { try? FileManager.default.removeItem(atPath: options.storePath) }
        }
        let seen = Mutex<[ConnectionEvent]>([])
        let launch = try await reportingErrors {
            try await LabLaunch.start(options: options, settings: settings, quiet: true) { [quiet] specs in
                let printer = EventPrinter(names: specs.map(\.name))
                return ({ event, _ in
                    seen.withLock { $0.append(event) }
                    if !quiet { Console.err(printer.line(event)) }
                }, { _ in })
            }
        }
        let started = Date()
        let storePath = Self.absolute(options.storePath)
        var environment = ProcessInfo.processInfo.environment
        environment.merge(launch.ready.environment(labFile: Self.absolute(options.labPath), store: storePath,
                                                   readyFile: launch.store.directory.readyFile)) { $1 }
        let status: Int32
        do {
            try launch.writeReadyFiles(readyFile: nil)
            Console.err("pkilab run: \"\(launch.lab.name)\" serves \(launch.ready.endpoints.filter { $0.zoo == nil }.map { "\($0.name) :\($0.port)" }.joined(separator: ", "))"
                        + (temporary ? " from a throw-away store" : " from \"\(Console.path(options.storePath))\"") + "; running: \(program.joined(separator: " "))")
            let child = try ChildProcess(program, environment: environment)
            let stopper = Task { await signals.waitForStop(); child.signal(SIGTERM) }
            status = await child.exitStatus()
            stopper.cancel()
        } catch {
            await launch.stop(readyFile: nil)
            throw ExitStatus.report(error)
        }
        await launch.stop(readyFile: nil)
        let events = seen.withLock { $0 }
        let failed = RunSummary(events: events, zoo: zoo || launch.lab.zoo != nil, checks: failOn)
            .print(program: program.joined(separator: " "), status: status, seconds: Date().timeIntervalSince(started))
        if temporary && keep { Console.err("The store is kept in \"\(storePath)\".") }
        if status != 0 { throw ExitCode(status) }
        if failed { throw ExitCode(ExitStatus.verificationFailed) }
    }

    private var settings: ServeSettings {
        var settings = ServeSettings()
        settings.bind = bind
        let parsed = PortArguments.parse(ports)
        settings.ports = parsed.ports
        settings.off = parsed.off
        settings.freePorts = true
        settings.zoo = zoo
        settings.handshakeTimeout = handshakeTimeout
        settings.tlsEngine = try? EndpointSpec.TLSEngine.chosen(tlsEngine)
        return settings
    }

    private static func makeTemporaryStore() throws -> String {
        var template = Array((NSTemporaryDirectory() + "/pkilab-run-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw CommandFailure(ExitStatus.cannotWrite, "store_unwritable", "could not make a temporary store in \(NSTemporaryDirectory()): \(String(cString: strerror(errno)))",
                                 hint: "set TMPDIR to a writable folder, or give --dir")
        }
        return String(cString: made).replacingOccurrences(of: "//", with: "/")
    }

    private static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
