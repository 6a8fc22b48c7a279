import Foundation
import PKILabTestSupport
import Testing

@Suite("pkilab export … p12 takes its password as openssl does: env:, file:, fd:, stdin, pass:", .serialized, .timeLimit(.minutes(3)))
struct ExportPasswordTests {
    static func lab() throws -> Scratch {
        let scratch = try Scratch(lab: Scratch.lab())
        #expect(try Pkilab.run(["issue"], in: scratch.path).status == 0)
        return scratch
    }

    /// openssl pkcs12 opens the file with `passin` and finds device-001's certificate in it.
    static func opens(_ scratch: Scratch, _ file: String, passin: String, environment: [String: String] = [:]) throws -> Bool {
        let result = try Run.program("openssl", ["pkcs12", "-in", file, "-passin", passin, "-nokeys", "-clcerts"], cwd: scratch.path,
                                     environment: environment, timeout: 30)
        return result.status == 0 && result.stdout.contains("CN = device-001")
    }

    @Test("each source gives the same password, read back by openssl pkcs12 -passin; only a password on the command line draws a note")
    func sources() throws {
        let scratch = try Self.lab()
        defer { scratch.remove() }
        try scratch.write("pw.txt", "from a file\n")
        let bin = Pkilab.binary
        let cases: [(arguments: [String], input: String?, environment: [String: String], password: String, shell: String?)] = [
            (["--password", "env:P12_PASSWORD"], nil, ["P12_PASSWORD": "from the environment"], "from the environment", nil),
            (["--password", "file:pw.txt"], nil, [:], "from a file", nil),
            (["--password", "stdin"], "from stdin\n", [:], "from stdin", nil),
            (["--password", "-"], "from a dash\n", [:], "from a dash", nil),
            (["--password", "pass:from pass"], nil, [:], "from pass", nil),
            ([], nil, [:], "from fd 3", "'\(bin)' export device-001 --format p12 --out fd --password fd:3 3<<'EOF'\nfrom fd 3\nEOF"),
        ]
        for (index, item) in cases.enumerated() {
            let out = "out\(index)"
            let result: RunResult
            if let shell = item.shell {
                result = try Run.program("sh", ["-c", shell], cwd: scratch.path)
            } else {
                result = try Run.program(bin, ["export", "device-001", "--format", "p12", "--out", out] + item.arguments, cwd: scratch.path,
                                         environment: item.environment, input: item.input)
            }
            #expect(result.status == 0, "\(item.arguments): \(result)")
            let folder = item.shell == nil ? out : "fd"
            #expect(try Self.opens(scratch, "\(folder)/device-001.p12", passin: "pass:\(item.password)"), "\(item.arguments)")
            #expect(try !Self.opens(scratch, "\(folder)/device-001.p12", passin: "pass:wrong"))
            let onCommandLine = item.arguments.last?.hasPrefix("pass:") == true
            #expect(result.stderr.contains("/proc/PID/cmdline") == onCommandLine, "\(item.arguments): \(result.stderr)")
        }
        #expect(try Self.opens(scratch, "out0/device-001.p12", passin: "env:P12_PASSWORD", environment: ["P12_PASSWORD": "from the environment"]))
    }

    @Test("no password, an unset variable, a missing file or empty stdin is a usage error (exit 64) that says what to do, and writes nothing",
          arguments: [[], ["--password", "env:PKILAB_SURELY_UNSET"], ["--password", "file:no-such-file"], ["--password", "stdin"], ["--password", "fd:x"]])
    func missing(arguments: [String]) throws {
        let scratch = try Self.lab()
        defer { scratch.remove() }
        let result = try Pkilab.run(["export", "device-001", "--format", "p12", "--out", "p12"] + arguments, in: scratch.path)
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains("Error: ") && (result.stderr.contains("env:VAR") || result.stderr.contains("export PKILAB_SURELY_UNSET")), "\(result)")
        #expect(!scratch.exists("p12"))
    }
}
