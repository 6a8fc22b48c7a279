import ArgumentParser
import Foundation
import PKILab

/// Synchronous on purpose: `pkilab issue` is the stand-up, and a synchronous command runs on the main thread without
/// starting the concurrency runtime's threads (see ``PKILabMain``).
struct Issue: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Build or update the lab's PKI in the store: only what changed in lab.yaml is reissued.")

    @OptionGroup var options: LabOptions

    @Flag(help: "Allow replacing an authority whose key type or subject changed (everything below it is reissued).")
    var force = false

    @Flag(help: "Print what was done as JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let lab = try options.loadLab()
            let report = try options.apply(lab, force: force)
            if json { Console.json(report) } else { IssueReportPrinter(lab: lab, report: report).print() }
        }
    }
}
