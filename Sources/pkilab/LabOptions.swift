import ArgumentParser
import Foundation
import PKILab

/// `--lab` and `--dir`, shared by every command that reads a lab.
struct LabOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The lab file (default: $PKILAB_LAB, else lab.yaml).", valueName: "file"))
    var lab: String?

    @Option(name: .long, help: ArgumentHelp("The certificate store (default: $PKILAB_DIR, else ca/ beside the lab file).", valueName: "dir"))
    var dir: String?

    var labPath: String {
        lab ?? ProcessInfo.processInfo.environment["PKILAB_LAB"].flatMap { $0.isEmpty ? nil : $0 } ?? "lab.yaml"
    }

    var storePath: String {
        if let dir { return dir }
        if let env = ProcessInfo.processInfo.environment["PKILAB_DIR"], !env.isEmpty { return env }
        let folder = (labPath as NSString).deletingLastPathComponent
        return folder.isEmpty ? "ca" : "\(folder)/ca"
    }

    var store: LabStore { LabStore(path: storePath) }

    /// The store, after re-signing any CRL a killed `revoke`/`unrevoke` left out of step with the ledger (one
    /// `Note:` line on stderr per list), for the commands that otherwise only read it.
    func openStore(for lab: Lab) throws -> LabStore {
        let store = self.store
        for repair in try store.repairRevocationLists(of: lab) { Console.err("Note: \(repair).") }
        return store
    }

    /// Issues what `lab` asks for (see ``LabStore/apply(_:fleets:force:now:waiting:progress:)``), saying once on
    /// stderr when it has to wait for another pkilab run that holds the store's lock.
    func apply(_ lab: Lab, fleets: [FleetSpec] = [], force: Bool = false,
               progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> ApplyReport {
        try store.apply(lab, fleets: fleets, force: force, waiting: {
            Console.err("Waiting for another pkilab run on \"\(Console.path(storePath))\" to finish…")
        }, progress: progress)
    }

    func loadLab() throws -> Lab {
        try LabFileReader(displayName: labPath).read(path: labPath)
    }
}
