import ArgumentParser
import Foundation
import PKILab
import PKILabEndpoints

struct OTA: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ota",
        abstract: "The OTA server's images, pre-signed URLs for scripts, and rehearsal images.",
        discussion: """
            The lab's ota: section makes pkilab up serve an OTA server on the HTTPS endpoint (GET /ota/update, \
            /ota/manifest; client certificate required) and an S3-like object store under another root. \
            pkilab ota ls lists the images and who may get them; pkilab ota presign prints a pre-signed URL; \
            pkilab ota image makes an image to rehearse with. Reference: docs/ota.md.
            """,
        subcommands: [OTAList.self, OTAPresign.self, OTAImage.self],
        defaultSubcommand: OTAList.self)

    /// The lab's `ota:` section, or a usage error naming what to add.
    static func spec(of lab: Lab) throws -> OTASpec {
        guard let spec = lab.ota else {
            Console.error("\(lab.file) has no ota: section",
                          hint: "add ota: { images: firmware, object_store: { authority: store-root } } and a root store-root under authorities: (docs/ota.md)")
            throw ExitCode(ExitStatus.usage)
        }
        return spec
    }

    static func imagesFolder(_ spec: OTASpec, options: LabOptions) -> String {
        imagesFolder(spec, labFile: options.labPath)
    }

    static func imagesFolder(_ spec: OTASpec, labFile: String) -> String {
        let labFolder = (labFile as NSString).deletingLastPathComponent
        return spec.imagesFolder(labFolder: labFolder.isEmpty ? "." : labFolder)
    }
}

struct OTAList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the images: versions, sizes, digests and who may get them.",
                                                    aliases: ["list"])

    @OptionGroup var options: LabOptions

    @Flag(help: "Print the list as JSON.")
    var json = false

    struct Row: Encodable {
        var image: String
        var product: String
        var version: String?
        var versionFrom: String?
        var size: Int
        var sha256: String
        var md5: String
        var allowed: [String]
        var denied: [String: String]
    }

    func run() async throws {
        try reportingErrors {
            let lab = try options.loadLab()
            let spec = try OTA.spec(of: lab)
            let folder = OTA.imagesFolder(spec, options: options)
            let images = FirmwareCatalog(folder: folder).images()
            let identities = lab.certificates.filter { $0.role != .server }.map(\.name)
            let rows = images.map { image in
                var allowed: [String] = []
                var denied: [String: String] = [:]
                for identity in identities {
                    let decision = spec.decide(image: image.name, identity: identity)
                    if decision.allowed { allowed.append(identity) } else { denied[identity] = decision.words }
                }
                return Row(image: image.name, product: image.product, version: image.version?.description, versionFrom: image.versionSource?.rawValue,
                           size: image.size, sha256: image.sha256, md5: image.md5, allowed: allowed, denied: denied)
            }
            if json {
                Console.json(rows)
                return
            }
            guard !rows.isEmpty else {
                Console.out("No images in \"\(Console.path(folder))\" yet.")
                Console.out("Put one there (named like app-v1.2.0.bin), or make a rehearsal image: pkilab ota image 1.2.0")
                return
            }
            Console.out("Images in \"\(Console.path(folder))\" (the object store's bucket \"\(spec.store.bucket)\"):")
            for row in rows {
                let version = row.version.map { "\($0) (from the \(row.versionFrom ?? "name"))" } ?? "no version: never offered by /ota/update"
                Console.out("  \(Console.bold(row.image))  \(row.product) \(version), \(row.size) bytes")
                Console.out("    sha256 \(row.sha256)  md5 \(row.md5)")
                if spec.targets.isEmpty {
                    Console.out("    may be sent to every identity (no ota.targets)")
                } else {
                    Console.out("    may be sent to: \(row.allowed.isEmpty ? "nobody" : row.allowed.joined(separator: ", "))")
                    for (identity, why) in row.denied.sorted(by: { $0.key < $1.key }) { Console.out("    not to \(identity): \(why)") }
                }
            }
        }
    }
}

struct OTAPresign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "presign",
        abstract: "Print a pre-signed URL of an image on the lab's object store (for scripts and CI).",
        discussion: """
            Signed with the lab's own key (ca/ota-credentials.json), which a running pkilab up accepts. The port is the \
            running lab's (ca/serving.json), else lab.yaml's. --fault puts a failure on purpose into the URL.
            """)

    @OptionGroup var options: LabOptions

    @Argument(help: "The image's file name in the images folder (its key in the bucket).")
    var image: String

    @Option(help: ArgumentHelp("How long the URL is valid, e.g. 60s, 15m (default: ota.url_lifetime).", valueName: "duration"))
    var expires: String?

    @Option(help: ArgumentHelp("Sign as of this time (2030-01-31T12:00:00Z), instead of now on the lab clock.", valueName: "time"))
    var at: String?

    @Option(help: ArgumentHelp("A failure on purpose: \(OTAFault.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "fault"))
    var fault: String?

    @Option(help: ArgumentHelp("The host name in the URL (default: ota.object_store.host, else localhost).", valueName: "host"))
    var host: String?

    func run() async throws {
        try reportingErrors {
            let lab = try options.loadLab()
            var spec = try OTA.spec(of: lab)
            if let host { spec.store.urlHost = host }
            var lifetime: Int?
            if let expires {
                guard let duration = LabDuration(parsing: expires), (1...604_800).contains(duration.seconds) else {
                    Console.error("--expires \(expires): not a duration of 1 second to 7 days", hint: "write it like 60s, 15m or 1h (S3 allows at most 604800 s)")
                    throw ExitCode(ExitStatus.usage)
                }
                lifetime = Int(duration.seconds)
            }
            var date = Date()
            if let at {
                guard let parsed = LabDate.parse(at) else {
                    Console.error("--at \(at): not a date", hint: "write it like 2030-01-31T12:00:00Z")
                    throw ExitCode(ExitStatus.usage)
                }
                date = parsed
            }
            var chosenFault: OTAFault?
            if let fault {
                guard let parsed = OTAFault(rawValue: fault) else {
                    Console.error("--fault \(fault): there is no such fault", hint: "faults: \(OTAFault.allCases.map(\.rawValue).joined(separator: ", "))")
                    throw ExitCode(ExitStatus.usage)
                }
                chosenFault = parsed
            }
            let folder = OTA.imagesFolder(spec, options: options)
            guard FirmwareCatalog(folder: folder).image(named: image) != nil else {
                Console.error("there is no image \"\(image)\" in \"\(Console.path(folder))\"", hint: "pkilab ota ls lists the images")
                throw ExitCode(ExitStatus.notFound)
            }
            let running = ServingLab.running(in: options.store.directory, lab: lab.name)
            let port = running?.endpoints.first { $0.name == "store" }?.port ?? spec.store.port
            let untrusted = running?.endpoints.first { $0.name == "store-untrusted" }?.port ?? spec.store.resolvedUntrustedPort
            guard port != 0 else {
                Console.error("the object store picks a free port (ota.object_store.port: 0) and pkilab up is not running",
                              hint: "start pkilab up first (the URL then names its port), or give the store a port in \(lab.file)")
                throw ExitCode(ExitStatus.unavailable)
            }
            let credentials = try options.store.otaCredentials(region: spec.store.region)
            let maker = OTAURLMaker(spec: spec, credentials: credentials, host: spec.store.urlHost ?? DisplayHost.of(spec.store.bind),
                                    port: port, untrustedPort: untrusted)
            Console.out(maker.url(for: image, now: date, lifetime: lifetime, fault: chosenFault).url)
        }
    }
}

struct OTAImage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Write a rehearsal image to the images folder: not a program, but it passes the header checks esp_https_ota makes.",
        discussion: """
            The image starts like an ESP32 app (magic 0xE9, an esp_app_desc_t with the version and project name) and \
            is filled with deterministic bytes up to --size. A device can download it, check its version and digests \
            and resume it; it must not boot it.
            """)

    @OptionGroup var options: LabOptions

    @Argument(help: "The version it carries, e.g. 1.2.0.")
    var version: String

    @Option(help: ArgumentHelp("The product: the file is PRODUCT-vVERSION.bin.", valueName: "name"))
    var product = "app"

    @Option(help: ArgumentHelp("Its size, e.g. 1MiB, 512KiB, 16MiB.", valueName: "size"))
    var size = "1MiB"

    func run() async throws {
        try reportingErrors {
            let lab = try options.loadLab()
            let spec = try OTA.spec(of: lab)
            guard let parsed = FirmwareVersion(version) else {
                Console.error("\"\(version)\" is not a version", hint: "write it like 1.2.0 or 2.0.0-rc1")
                throw ExitCode(ExitStatus.usage)
            }
            guard let bytes = EventRotation.parseSize(size), bytes >= ESPAppImage.headerSize, bytes <= 64 << 20 else {
                Console.error("--size \(size): not a size from \(ESPAppImage.headerSize) bytes to 64MiB", hint: "write it like 1MiB or 512KiB")
                throw ExitCode(ExitStatus.usage)
            }
            guard !product.isEmpty, product.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                Console.error("--product \(product): letters, digits, - and _ only", hint: "e.g. --product sensor-fw")
                throw ExitCode(ExitStatus.usage)
            }
            let folder = OTA.imagesFolder(spec, options: options)
            let name = "\(product)-v\(parsed).bin"
            let path = "\(folder)/\(name)"
            let seed = UInt64(truncatingIfNeeded: name.utf8.reduce(14_695_981_039_346_656_037) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 })
            let image = ESPAppImage.make(version: parsed.description, projectName: product, size: bytes, seed: seed)
            try FileBatch.makeFolder(folder)
            let batch = FileBatch()
            try batch.stage(image, to: path, mode: 0o644)
            try batch.commit(syncing: folder)
            Console.out("Wrote \"\(Console.path(path))\": a rehearsal image of \(product) \(parsed), \(bytes) bytes (not a program: never boot it).")
            Console.out("pkilab up offers it at GET /ota/update to the identities ota.targets allows; pkilab ota ls shows its digests.")
        }
    }
}
