import Foundation
import PKILabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Killed and concurrent runs leave a consistent store", .timeLimit(.minutes(5)), .serialized)
struct CrashSafetyTests {
    /// A lab slow enough to be killed in the middle: RSA keys everywhere.
    static func lab(variant: Int) -> String {
        let names = variant == 0 ? "[localhost, 127.0.0.1]" : "[localhost, 127.0.0.1, v\(variant).lab.test]"
        return """
            defaults: { key: rsa-2048 }
            authorities:
              root: { subject: { CN: Crash Root } }
              issuing: { parent: root, subject: { CN: Crash Issuing \(variant % 2) }, path_len: 0 }
            certificates:
              server: { issuer: issuing, role: server, names: \(names) }
              device-1: { issuer: issuing, key: \(variant % 2 == 0 ? "rsa-2048" : "ec-p256") }
              device-2: { issuer: issuing }
              device-3: { issuer: issuing, names: ["urn:crash:\(variant)"] }
            """
    }

    static let names = ["root", "issuing", "server", "device-1", "device-2", "device-3"]

    @Test("kill -9 at random moments of issue and reissue; every moment is consistent and the next run completes")
    func killLoop() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        var generator = SystemRandomNumberGenerator()
        var killedMidway = 0
        for round in 0..<16 {
            let variant = round % 3
            try scratch.write("lab.yaml", Self.lab(variant: variant))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Pkilab.binary)
            process.arguments = ["issue", "--force"]
            process.currentDirectoryURL = URL(fileURLWithPath: scratch.path)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32.random(in: 5_000...450_000, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal { killedMidway += 1 }
            let problems = StoreChecks.invariantProblems(scratch.path + "/ca")
            #expect(problems.isEmpty, "round \(round), right after the kill: \(problems)")
            if round % 4 == 3 {
                let completed = try Pkilab.run(["issue", "--force"], in: scratch.path)
                #expect(completed.status == 0, "round \(round): \(completed)")
                let after = try StoreChecks.completeProblems(scratch.path + "/ca", names: Self.names)
                #expect(after.isEmpty, "round \(round), after the repairing run: \(after)")
            }
        }
        #expect(killedMidway >= 8, "most runs should have been killed before they finished")
        try scratch.write("lab.yaml", Self.lab(variant: 0))
        #expect(try Pkilab.run(["issue", "--force"], in: scratch.path).status == 0)
        #expect(try StoreChecks.completeProblems(scratch.path + "/ca", names: Self.names).isEmpty)
        let again = try Pkilab.run(["issue"], in: scratch.path)
        #expect(again.status == 0 && again.stdout.hasPrefix("Nothing to do"), "\(again)")
    }

    @Test("two runs at once on the same store end with one consistent store", arguments: 0..<3)
    func concurrent(attempt: Int) throws {
        let scratch = try Scratch(lab: Self.lab(variant: 0))
        defer { scratch.remove() }
        let runs = (0..<2).map { _ -> Process in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Pkilab.binary)
            process.arguments = ["issue", "--json"]
            process.currentDirectoryURL = URL(fileURLWithPath: scratch.path)
            process.standardError = FileHandle.nullDevice
            process.standardOutput = Pipe()
            return process
        }
        for process in runs { try process.run() }
        var created = 0
        for process in runs {
            let output = (process.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            created += String(decoding: output, as: UTF8.self).components(separatedBy: "\"created\"").count - 1
        }
        #expect(created == Self.names.count, "each certificate was created once, by one of the two runs")
        #expect(try StoreChecks.completeProblems(scratch.path + "/ca", names: Self.names).isEmpty)
    }
}
