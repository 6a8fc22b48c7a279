import Foundation
import PKILabTestSupport
import Testing

@Suite("The pkilab command line", .timeLimit(.minutes(3)))
struct CLIBehaviourTests {
    @Test("init writes the starter lab once; issue builds it; a second issue has nothing to do")
    func firstRun() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let initRun = try Pkilab.run(["init"], in: scratch.path)
        #expect(initRun.status == 0 && initRun.stdout.contains("Wrote a starter lab to \"lab.yaml\""), "\(initRun)")
        #expect(scratch.read("lab.yaml") == (try String(contentsOfFile: Pkilab.repository + "/lab.yaml", encoding: .utf8)))
        try scratch.write("lab.yaml", scratch.read("lab.yaml")! + "\n# my edit\n")
        let again = try Pkilab.run(["init"], in: scratch.path)
        #expect(again.status == 0 && again.stdout.contains("already exists; nothing was written"))
        #expect(scratch.read("lab.yaml")!.hasSuffix("# my edit\n"))

        let issue = try Pkilab.run(["issue"], in: scratch.path)
        #expect(issue.status == 0, "\(issue)")
        for phrase in ["Created root CA \"pkilab Root CA\" (EC P-256)", "Created intermediate CA \"pkilab Issuing CA\"",
                       "Issued server certificate \"server\"", "Issued client certificate \"device-002\" (RSA 2048)",
                       "Created root CA \"pkilab Store Root CA\"", "Issued server certificate \"object-store\"",
                       "Everything is in \"ca/\"", "pkilab verify ca/certs/server/cert.pem --host localhost --purpose server"] {
            #expect(issue.stdout.contains(phrase), "missing \(phrase):\n\(issue)")
        }
        let second = try Pkilab.run(["issue"], in: scratch.path)
        #expect(second.status == 0)
        #expect(second.stdout.hasPrefix("Nothing to do: \"ca\" already matches lab.yaml (4 authorities, 4 certificates)"), "\(second)")
    }

    @Test("ls, show and verify explain the lab; --json is JSON")
    func inspect() throws {
        let scratch = try Scratch(lab: Scratch.lab(extra: "  old: { issuer: issuing, not_before: 2020-01-01, not_after: 2021-01-01 }"))
        defer { scratch.remove() }
        #expect(try Pkilab.run(["issue"], in: scratch.path).status == 0)
        let ls = try Pkilab.run(["ls"], in: scratch.path)
        #expect(ls.status == 0)
        #expect(ls.stdout.contains("NAME") && ls.stdout.contains("device-001  client") && ls.stdout.contains("(EXPIRED)"), "\(ls)")
        let lsJSON = try Pkilab.run(["ls", "--json"], in: scratch.path)
        let rows = try JSONSerialization.jsonObject(with: Data(lsJSON.stdout.utf8)) as? [[String: Any]]
        #expect(rows?.count == 5)

        let show = try Pkilab.run(["show", "device-001"], in: scratch.path)
        #expect(show.status == 0)
        for phrase in ["\"device-001\" is a TLS client certificate", "CLI Test Issuing", "(root, the trust anchor)", "is valid: it chains to \"CLI Test Root\""] {
            #expect(show.stdout.contains(phrase), "missing \(phrase):\n\(show)")
        }
        let showFile = try Pkilab.run(["show", "ca/authorities/issuing/cert.pem", "--json"], in: scratch.path)
        #expect(showFile.status == 0 && showFile.stdout.contains("\"isAuthority\" : true"), "\(showFile)")

        let good = try Pkilab.run(["verify", "ca/certs/server/cert.pem", "--host", "localhost", "--purpose", "server"], in: scratch.path)
        #expect(good.status == 0 && good.stdout.contains("is valid"), "\(good)")
        let cases: [([String], String)] = [
            (["verify", "ca/certs/old/cert.pem"], "expired on 1 January 2021"),
            (["verify", "ca/certs/server/cert.pem", "--host", "example.com"], "the name example.com is not in its names"),
            (["verify", "ca/certs/server/cert.pem", "--purpose", "client"], "is not for TLS clients"),
            (["verify", "device-001", "--purpose", "server"], "is not for TLS servers"),
        ]
        for (arguments, phrase) in cases {
            let result = try Pkilab.run(arguments, in: scratch.path)
            #expect(result.status == 1 && result.stdout.contains(phrase), "\(arguments): \(result)")
        }
        let json = try Pkilab.run(["verify", "old", "--json"], in: scratch.path)
        #expect(json.status == 1 && json.stdout.contains("\"reason\" : \"expired\""), "\(json)")
    }

    @Test("exit codes: missing lab 66, invalid lab 65, refused authority change 78, unknown name 66, usage 64")
    func exitCodes() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let missing = try Pkilab.run(["issue"], in: scratch.path)
        #expect(missing.status == 66 && missing.stderr.contains("pkilab init"), "\(missing)")
        try scratch.write("lab.yaml", Scratch.lab())
        #expect(try Pkilab.run(["issue"], in: scratch.path).status == 0)
        try scratch.write("lab.yaml", Scratch.lab().replacingOccurrences(of: "CN: CLI Test Issuing", with: "CN: Renamed"))
        let refused = try Pkilab.run(["issue"], in: scratch.path)
        #expect(refused.status == 78 && refused.stderr.contains("refusing to replace authority \"issuing\"") && refused.stderr.contains("--force"), "\(refused)")
        let forced = try Pkilab.run(["issue", "--force"], in: scratch.path)
        #expect(forced.status == 0 && forced.stdout.contains("Reissued intermediate CA \"Renamed\""), "\(forced)")
        let unknown = try Pkilab.run(["show", "nobody"], in: scratch.path)
        #expect(unknown.status == 66 && unknown.stderr.contains("no certificate named \"nobody\""), "\(unknown)")
        #expect(try Pkilab.run(["fleet", "x", "--count", "0"], in: scratch.path).status == 64)
        try scratch.write("lab.yaml", "authorities: { root: { subject: { CN: R } }, }\ncertificates: { a: { key: ec-p999 } }\n")
        let invalid = try Pkilab.run(["issue"], in: scratch.path)
        #expect(invalid.status == 65 && invalid.stderr.hasPrefix("Error: lab.yaml:2:27: certificates.a.key: \"ec-p999\" is not a key type"), "\(invalid)")
    }

    @Test("--lab/--dir and PKILAB_LAB/PKILAB_DIR choose another lab and store")
    func otherLabAndStore() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try FileManager.default.createDirectory(atPath: scratch.path + "/labs", withIntermediateDirectories: true)
        try scratch.write("labs/ci.yaml", Scratch.lab())
        #expect(try Pkilab.run(["issue", "--lab", "labs/ci.yaml"], in: scratch.path).status == 0)
        #expect(scratch.exists("labs/ca/root.pem"), "the store defaults to ca/ beside the lab file")
        let env = try Pkilab.run(["issue"], in: scratch.path, environment: ["PKILAB_LAB": "labs/ci.yaml", "PKILAB_DIR": scratch.path + "/tmp-pki"])
        #expect(env.status == 0, "\(env)")
        #expect(scratch.exists("tmp-pki/certs/server/fullchain.pem"))
    }

    @Test("fleet issues numbered devices once, and they verify")
    func fleet() throws {
        let scratch = try Scratch(lab: Scratch.lab())
        defer { scratch.remove() }
        let first = try Pkilab.run(["fleet", "sensor", "--count", "40"], in: scratch.path)
        #expect(first.status == 0 && first.stdout.contains("Issued 40 client certificates for fleet \"sensor\""), "\(first)")
        let again = try Pkilab.run(["fleet", "sensor", "--count", "40"], in: scratch.path)
        #expect(again.stdout.contains("Nothing to do: fleet \"sensor\" already has its 40 devices"), "\(again)")
        let verify = try Run.program("openssl", ["verify", "-purpose", "sslclient", "-x509_strict", "-CAfile", "ca/root.pem", "-untrusted",
                                                  "ca/fleet/sensor/chain.pem", "ca/fleet/sensor/sensor-0040/cert.pem"], cwd: scratch.path)
        #expect(verify.status == 0, "\(verify)")
        let subject = try Run.program("openssl", ["x509", "-noout", "-subject", "-in", "ca/fleet/sensor/sensor-0007/cert.pem"], cwd: scratch.path)
        #expect(subject.stdout.contains("CN = sensor-0007"))
        let show = try Pkilab.run(["verify", "sensor-0007", "--purpose", "client"], in: scratch.path)
        #expect(show.status == 0, "\(show)")
    }
}
