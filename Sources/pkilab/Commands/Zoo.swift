import ArgumentParser
import Foundation
import PKILab
import PKILabEndpoints

struct Zoo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zoo",
        abstract: "The zoo: servers that are wrong on purpose (a device must refuse them) and clients every server must refuse.",
        discussion: """
            pkilab zoo (or zoo list) makes the zoo in ca/zoo/ if needed and lists it: each bad server's port, what \
            is wrong and what a device should do, and each bad client. pkilab up --zoo serves the servers; \
            pkilab zoo report then says which ones the device wrongly accepted.
            """,
        subcommands: [ZooList.self, ZooReportCommand.self],
        defaultSubcommand: ZooList.self)
}

struct ZooList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Make the zoo if needed and list its servers and clients.")

    @OptionGroup var options: LabOptions

    @Flag(help: "Print the list as JSON (for a CI loop).")
    var json = false

    struct Server: Encodable {
        var name: String
        var port: Int
        var url: String
        var mqttPort: Int?
        var mqttURL: String?
        var problem: String
        var expected: String
        var expectedBehaviour: String
        var acceptanceMeans: String
        var presents: String
        var bytes: Int?
        var certificates: Int?
    }

    struct Client: Encodable {
        var name: String
        var identity: String
        var problem: String
        var expectedReason: String
        var folder: String
    }

    struct Listing: Encodable {
        var ca: String
        var crl: String
        var running: Bool
        var servers: [Server]
        var clients: [Client]
    }

    func run() async throws {
        try reportingErrors {
            let lab = try options.loadLab()
            let store = options.store
            _ = try options.apply(lab)
            let (manifest, made) = try store.prepareZoo(for: lab)
            let ready = Self.running(store: store)
            let spec = lab.zoo ?? ZooSpec()
            let host = ready.flatMap { ready in ready.endpoints.first { $0.zoo != nil }.map(\.host) } ?? spec.bind ?? "127.0.0.1"
            let display = DisplayHost.of(host)
            func port(_ scenario: ZooServer, kind: EndpointSpec.Kind) -> Int? {
                if let ready { return ready.endpoints.first { $0.zoo == scenario.rawValue && $0.kind == kind }?.port }
                return kind == .echo ? spec.port(of: scenario) : spec.mqttPort(of: scenario)
            }
            let servers = ZooServer.allCases.map { scenario -> Server in
                let item = manifest.servers.first { $0.name == scenario.rawValue }
                let tls = port(scenario, kind: .echo) ?? 0
                let mqtt = port(scenario, kind: .mqtt)
                return Server(name: scenario.rawValue, port: tls, url: "tls://\(display):\(tls)", mqttPort: mqtt, mqttURL: mqtt.map { "mqtts://\(display):\($0)" },
                              problem: scenario.problem, expected: scenario.expectation.rawValue, expectedBehaviour: scenario.expectedBehaviour,
                              acceptanceMeans: scenario.acceptanceMeans, presents: store.directory.folder(forZooServer: scenario.rawValue),
                              bytes: item?.bytes, certificates: item?.presented)
            }
            let clients = ZooClient.allCases.map { client in
                Client(name: client.rawValue, identity: "zoo/\(client.rawValue)", problem: client.problem, expectedReason: client.expectedReason.rawValue,
                       folder: store.directory.folder(forZooClient: client.rawValue))
            }
            let listing = Listing(ca: store.directory.rootBundle, crl: store.directory.crlBundle, running: ready != nil, servers: servers, clients: clients)
            if json {
                Console.json(listing)
                return
            }
            if made { Console.out("Made the zoo in \"\(Console.path(store.directory.zooFolder))\".") }
            Console.out(Console.bold("Bad servers") + (ready == nil ? " (not running: pkilab up --zoo serves them on these ports)" : " (running)") + ":")
            let rows = [["SERVER", "TLS", "MQTT", "WHAT IS WRONG", "A GOOD DEVICE"]] + servers.map {
                [$0.name, "\($0.port)", $0.mqttPort.map(String.init) ?? "-", $0.problem, $0.expectedBehaviour]
            }
            Console.table(rows)
            Console.out()
            Console.out(Console.bold("Bad clients") + " (every server must refuse them; pkilab probe URL --as zoo/NAME --expect reject):")
            Console.table([["CLIENT", "WHAT IS WRONG", "LAB REASON"]] + clients.map { [$0.identity, $0.problem, $0.expectedReason] })
            Console.out()
            Console.out("Try one:  openssl s_client -connect \(display):\(servers[1].port) -CAfile \(Console.path(store.directory.rootBundle)) -verify_return_error -verify_hostname localhost")
        }
    }

    /// The running lab's endpoints (ca/endpoints.json), if `pkilab up` is serving.
    static func running(store: LabStore) -> ReadyLab? {
        ReadyLab.read(from: store.directory)
    }
}

struct ZooReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Say which of the zoo's bad servers a device accepted, from the connection events.",
        discussion: "Exit 0 when the device refused every bad server and accepted the good one; 1 when it accepted a bad one, refused the good one, or never connected.")

    @OptionGroup var options: LabOptions

    @Option(help: ArgumentHelp("Read these event files instead of ca/events.jsonl (repeatable; what pkilab up --events wrote).", valueName: "file"))
    var events: [String] = []

    @Option(help: ArgumentHelp("Only events at or after this time (ISO 8601, e.g. 2026-12-02T10:00:00Z).", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Only connections from this address (the device's IP).", valueName: "address"))
    var peer: String?

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() async throws {
        try reportingErrors {
            var sinceDate: Date?
            if let since {
                guard let date = ISO8601DateFormatter().date(from: since) else {
                    Console.error("--since \"\(since)\" is not an ISO 8601 time", hint: "write it like 2026-12-02T10:00:00Z")
                    throw ExitCode(ExitStatus.usage)
                }
                sinceDate = date
            }
            let stored = options.store.directory.events
            let rotated = EventRotation.files(at: stored)
            let paths = !events.isEmpty ? events : rotated.isEmpty ? [stored] : rotated
            let report = ZooReport(events: ZooReport.events(from: paths, since: sinceDate, peer: peer))
            if json {
                Console.json(report)
            } else if report.rows.isEmpty {
                Console.out("No connection to the zoo in \(paths.map { "\"\(Console.path($0))\"" }.joined(separator: ", ")) yet: start pkilab up --zoo and point the device at its ports (pkilab zoo lists them).")
            } else {
                ZooReportPrinter.print(report) { Console.out($0) }
            }
            if report.rows.isEmpty || !report.failures.isEmpty { throw ExitCode(ExitStatus.verificationFailed) }
        }
    }
}
