import ArgumentParser
import Foundation
import PKILab

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Write a commented starter lab.yaml (never overwrites one).")

    @Option(name: .long, help: ArgumentHelp("Where to write it (default: $PKILAB_LAB, else lab.yaml).", valueName: "file"))
    var lab: String?

    func run() async throws {
        try reportingErrors {
            let path = LabOptions(lab: lab).labPath
            if FileManager.default.fileExists(atPath: path) {
                Console.out("\"\(Console.path(path))\" already exists; nothing was written.")
                Console.out("Run \"pkilab issue\" to build its PKI, or edit it first.")
                return
            }
            let batch = FileBatch()
            let folder = (path as NSString).deletingLastPathComponent
            try batch.stage(LabTemplate.starter, to: path, mode: 0o644)
            // The AWS IoT policy the starter attaches (never over one the user already has).
            let policy = ((folder.isEmpty ? "." : folder) as NSString).appendingPathComponent(LabTemplate.devicePolicyPath)
            let writesPolicy = !FileManager.default.fileExists(atPath: policy)
            if writesPolicy {
                try FileBatch.makeFolder((policy as NSString).deletingLastPathComponent)
                try batch.stage(LabTemplate.devicePolicy + "\n", to: policy, mode: 0o644)
            }
            try batch.commit(syncing: folder.isEmpty ? "." : folder)
            Console.out("Wrote a starter lab to \"\(Console.path(path))\"\(Console.symbol("📝"))"
                        + (writesPolicy ? " and its AWS IoT policy to \"\(Console.path(policy))\"" : ""))
            Console.out("Edit it if you like, then run \"pkilab issue\" to build its root, intermediate, server and client certificates.")
        }
    }
}

extension LabOptions {
    init(lab: String?) {
        self.init()
        self.lab = lab
    }
}
