import ArgumentParser
import Foundation
import PKILab

struct Issue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build or update the lab's PKI in the store: only what changed in lab.yaml is reissued.")

    @OptionGroup var options: LabOptions

    @Flag(help: "Allow replacing an authority whose key type or subject changed (everything below it is reissued).")
    var force = false

    @Flag(help: "Print what was done as JSON.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let lab = try options.loadLab()
            let report = try options.apply(lab, force: force)
            if json { Console.json(report) } else { IssueReportPrinter(lab: lab, report: report).print() }
        }
    }
}
