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
