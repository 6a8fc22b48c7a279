import Foundation
import PKILabTestSupport
import Testing

/// `pkilab export` as a command: a second export rewrites nothing, ls marks what was exported, and an unknown
/// format or an authority is refused with its exit code. (What other programs make of the files: InteropTests.)
@Suite("pkilab export: idempotent, listed by ls, refusals with their exit codes", .serialized, .timeLimit(.minutes(3)))
struct ExportCommandTests {
    static func lab() throws -> Scratch { try Scratch.exportLab() }

    func export(_ scratch: Scratch, _ arguments: [String]) throws -> RunResult {
        let result = try Pkilab.run(["export"] + arguments, in: scratch.path)
        #expect(result.status == 0, "\(result)")
        return result
    }

    @Test("A second export changes nothing; pkilab ls marks the exports")
    func idempotent() throws {
        let scratch = try Self.lab()
        defer { scratch.remove() }
        for format in ["pem", "der", "c", "p12"] {
            _ = try export(scratch, ["device-001", "--format", format, "--password", "pw"])
            let before = try FileManager.default.contentsOfDirectory(atPath: "\(scratch.path)/ca/exports/device-001/\(format)").sorted().map {
                try Data(contentsOf: URL(fileURLWithPath: "\(scratch.path)/ca/exports/device-001/\(format)/\($0)"))
            }
            let again = try export(scratch, ["device-001", "--format", format, "--password", "pw"])
            #expect(again.stdout.contains("is up to date"), "\(again)")
            let after = try FileManager.default.contentsOfDirectory(atPath: "\(scratch.path)/ca/exports/device-001/\(format)").sorted().map {
                try Data(contentsOf: URL(fileURLWithPath: "\(scratch.path)/ca/exports/device-001/\(format)/\($0)"))
            }
            #expect(before == after, "\(format)")
        }
        let list = try Pkilab.run(["ls"], in: scratch.path)
        #expect(list.stdout.contains("pem,der,c,p12"), "\(list)")
        let unknown = try Pkilab.run(["export", "device-001", "--format", "jks"], in: scratch.path)
        #expect(unknown.status == 64 && unknown.stderr.contains("not an export format"), "\(unknown)")
        let authority = try Pkilab.run(["export", "issuing", "--format", "pem"], in: scratch.path)
        #expect(authority.status == 66 && authority.stderr.contains("never an authority's key"), "\(authority)")
        #expect(!scratch.exists("ca/exports/issuing"))
    }
}
