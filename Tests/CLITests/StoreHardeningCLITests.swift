import Foundation
import PKILabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Bad input refused up front, no lock file left, folders 0700 under any umask", .serialized, .timeLimit(.minutes(3)))
struct StoreHardeningCLITests {
    @Test("non-ASCII e-mail and URI names, control characters in a subject and a 200,000-character lab name exit 65 at once, leaving nothing",
          arguments: [
              "lab: \(String(repeating: "x", count: 200_000))",
              "lab: cli-test\nauthorities: { root: { subject: { CN: \"Root\\u0000CA\" } } }",
              "lab: cli-test\nauthorities: { root: { subject: { CN: R } } }\ncertificates: { d: { names: [\"email:jörg@lab.test\"] } }",
              "lab: cli-test\nauthorities: { root: { subject: { CN: R, emailAddress: \"jörg@lab.test\" } } }",
              "lab: cli-test\nauthorities: { root: { subject: { CN: R } } }\ncertificates: { d: { names: [\"urn:x:\(String(repeating: "u", count: 300_000))\"] } }",
          ])
    func refusedUpFront(lab: String) throws {
        let text = lab.hasPrefix("lab: x") ? lab + "\nauthorities: { root: { subject: { CN: R } } }" : lab
        let scratch = try Scratch(lab: text)
        defer { scratch.remove() }
        let started = Date()
        let result = try Pkilab.run(["issue"], in: scratch.path, timeout: 30)
        #expect(result.status == 65, "\(result)")
        #expect(Date().timeIntervalSince(started) < 10, "refused at once")
        #expect(result.stderr.hasPrefix("Error: lab.yaml:") && result.stderr.contains(" — "), "file:line:col: key: what — what to do: \(result.stderr.prefix(300))")
        #expect(result.stderr.utf8.count < 1000, "the message does not repeat the value")
        #expect(!scratch.exists("ca"), "nothing written, no ca/.lock")
    }

    @Test("a lab named with non-ASCII letters issues; the devices' URI names are percent-encoded ASCII that openssl reads")
    func nonASCIILabName() throws {
        let scratch = try Scratch(lab: Scratch.lab().replacingOccurrences(of: "lab: cli-test", with: "lab: Küche Lab"))
        defer { scratch.remove() }
        let issue = try Pkilab.run(["issue"], in: scratch.path)
        #expect(issue.status == 0, "\(issue)")
        let names = try Run.program("openssl", ["x509", "-in", "ca/certs/device-001/cert.pem", "-noout", "-ext", "subjectAltName"], cwd: scratch.path)
        #expect(names.stdout.contains("URI:urn:pkilab:k%C3%BCche-lab:device-001"), "\(names)")
    }

    @Test("no run leaves ca/.lock behind: not a successful one, not one that fails while issuing, not a revoke")
    func noLockLeft() throws {
        let scratch = try Scratch(lab: Scratch.lab())
        defer { scratch.remove() }
        #expect(try Pkilab.run(["issue"], in: scratch.path).status == 0)
        #expect(!scratch.exists("ca/.lock"))
        #expect(try Pkilab.run(["revoke", "device-001"], in: scratch.path).status == 0)
        #expect(!scratch.exists("ca/.lock"))
        // Changing the root's subject is refused while issuing, after the lock was taken.
        try scratch.write("lab.yaml", Scratch.lab().replacingOccurrences(of: "CN: CLI Test Root", with: "CN: Another Root"))
        let refused = try Pkilab.run(["issue"], in: scratch.path)
        #expect(refused.status == 78, "\(refused)")
        #expect(!scratch.exists("ca/.lock"), "the refused run removed its lock file")
        // A store folder that cannot be written: the run fails while writing and still leaves no lock.
        try scratch.write("lab.yaml", Scratch.lab(extra: "  device-009: { issuer: issuing, role: client }"))
        chmod(scratch.path + "/ca/certs", 0o500)
        defer { chmod(scratch.path + "/ca/certs", 0o700) }
        let unwritable = try Pkilab.run(["issue"], in: scratch.path)
        if getuid() != 0 {
            #expect(unwritable.status == 73, "\(unwritable)")
        }
        #expect(!scratch.exists("ca/.lock"), "\(unwritable)")
    }

    @Test("under umask 000 every folder of the store, exports included, is 0700; key files 0600")
    func foldersPrivate() throws {
        let scratch = try Scratch(lab: Scratch.lab())
        defer { scratch.remove() }
        let bin = Pkilab.binary
        let run = try Run.program("sh", ["-c", "umask 000 && '\(bin)' issue && '\(bin)' export device-001 --format pem && '\(bin)' export device-001 --format p12 --password env:P12PW && '\(bin)' revoke device-001"],
                                  cwd: scratch.path, environment: ["P12PW": "pw"])
        #expect(run.status == 0, "\(run)")
        var folders = 0
        for case let relative as String in FileManager.default.enumerator(atPath: scratch.path + "/ca")! {
            var info = stat()
            guard lstat("\(scratch.path)/ca/\(relative)", &info) == 0 else { continue }
            let mode = info.st_mode & 0o777
            if (info.st_mode & S_IFMT) == S_IFDIR {
                folders += 1
                #expect(mode == 0o700, "\(relative) is \(String(mode, radix: 8))")
            } else if relative.hasSuffix("key.pem") || relative.hasSuffix(".p12") {
                #expect(mode == 0o600, "\(relative) is \(String(mode, radix: 8))")
            }
        }
        var info = stat()
        #expect(stat(scratch.path + "/ca", &info) == 0 && info.st_mode & 0o777 == 0o700)
        #expect(folders >= 8, "authorities, certs, crl, exports/device-001/pem and p12 were all checked")
    }
}

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
