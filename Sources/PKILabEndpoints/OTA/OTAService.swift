import Foundation
import PKILab
import Synchronization

/// What the OTA server (routes on the HTTPS endpoint) and the object store share: the images, the credentials
/// that sign and check pre-signed URLs, where the store listens, the lab clock and the event log.
final class OTAService: Sendable {
    let spec: OTASpec
    let catalog: FirmwareCatalog
    /// The lab's own credentials: what the OTA server signs with.
    let labCredentials: SigV4Credentials
    /// What the store accepts: the lab's, and the user's `ota.credentials` when its secret is in the environment.
    let verifier: SigV4Verifier
    let events: EventLog
    let clock: ClockOffset
    /// The folder as messages show it.
    let imagesFolderDisplay: String
    private let ports: Mutex<(store: Int, untrusted: Int)>

    init(spec: OTASpec, store: LabStore, labFolder: String, events: EventLog, clock: ClockOffset,
         environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.spec = spec
        let folder = spec.imagesFolder(labFolder: labFolder)
        try ConfinedFileSystem.checkApart(folder, from: store.directory.path,
                                          location: spec.imagesLocation ?? SourceLocation(file: "lab.yaml", line: 0, column: 0, keyPath: "ota.images"),
                                          what: "the images folder", key: "images:", servedAt: "the object store")
        catalog = FirmwareCatalog(folder: folder)
        imagesFolderDisplay = DisplayPath.relative(folder) + "/"
        labCredentials = try store.otaCredentials(region: spec.store.region)
        var accepted = [labCredentials]
        if let user = Self.userCredentials(spec, environment: environment) { accepted.append(user) }
        verifier = SigV4Verifier(credentials: accepted)
        self.events = events
        self.clock = clock
        ports = Mutex((spec.store.port, spec.store.resolvedUntrustedPort))
    }

    /// The user's AWS-compatible credentials, when lab.yaml names them and their secret is in the environment.
    static func userCredentials(_ spec: OTASpec, environment: [String: String]) -> SigV4Credentials? {
        guard let id = spec.userAccessKeyID, let variable = spec.userSecretEnvironment, let secret = environment[variable], !secret.isEmpty else {
            return nil
        }
        return SigV4Credentials(accessKeyID: id, secretAccessKey: secret, region: spec.store.region)
    }

    /// Called once the store listens, with the ports it got (they differ from lab.yaml's when it says 0).
    func storeListens(port: Int?, untrustedPort: Int?) {
        ports.withLock { current in
            if let port { current.store = port }
            if let untrustedPort { current.untrusted = untrustedPort }
        }
    }

    /// Makes URLs for the store as it listens now.
    var urlMaker: OTAURLMaker {
        let (store, untrusted) = ports.withLock { $0 }
        return OTAURLMaker(spec: spec, credentials: labCredentials, host: spec.store.urlHost ?? DisplayHost.of(spec.store.bind),
                           port: store, untrustedPort: untrusted)
    }

    /// The lab clock's now: what URLs are signed and checked against.
    var now: Date { clock.now }
}
