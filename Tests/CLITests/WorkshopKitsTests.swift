import Foundation
import PKILabTestSupport
import Testing

/// `pkilab workshop kits` through the built binary, its files checked by the programs attendees use: openssl,
/// keytool, gcc, Python's zipfile.
@Suite("Workshop: pkilab workshop kits, checked by openssl, keytool, gcc and Python", .serialized, .timeLimit(.minutes(4)))
struct WorkshopKitsTests {
    struct Kit: Decodable, Equatable {
        var identity: String
        var folder: String
        var zip: String
        var password: String
        var files: [String]
    }

    /// The export lab with a three-member fleet `attendee`.
    static func lab() throws -> Scratch {
        let scratch = try Scratch.exportLab()
        let fleet = try Pkilab.run(["fleet", "attendee", "--count", "3"], in: scratch.path)
        guard fleet.status == 0 else { throw LabProcess.Failure(message: "pkilab fleet failed: \(fleet)") }
        return scratch
    }

    static func kits(_ scratch: Scratch, _ arguments: [String] = []) throws -> [Kit] {
        let result = try Pkilab.run(["workshop", "kits", "--json"] + arguments, in: scratch.path, timeout: 60)
        guard result.status == 0 else { throw LabProcess.Failure(message: "pkilab workshop kits failed: \(result)") }
        return try JSONDecoder().decode([Kit].self, from: Data(result.stdout.utf8))
    }

    static func mode(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]) as? Int) ?? -1
    }

    static func run(_ program: String, _ arguments: [String], in folder: String) throws -> RunResult {
        try Run.program(program, arguments, cwd: folder, timeout: 30)
    }

    @Test("Every fleet member gets a kit that openssl verifies, whose p12 opens with its password (keytool too), whose header compiles and whose zip holds the same files")
    func kitsWork() throws {
        let scratch = try Self.lab()
        defer { scratch.remove() }
        let kits = try Self.kits(scratch)
        #expect(kits.map(\.identity) == ["attendee-0001", "attendee-0002", "attendee-0003"])
        let kit = try #require(kits.dropFirst().first)
        let name = kit.identity
        let folder = kit.folder.hasPrefix("/") ? kit.folder : "\(scratch.path)/\(kit.folder)"
        #expect(folder.hasSuffix("ca/workshop/kits/\(name)"), "\(kit)")
        let expected = ["README.html", "password.txt", "\(name).crt.pem", "\(name).key.pem", "chain.pem", "ca.pem",
                        "\(name).crt.der", "\(name).key.der", "\(name).p12", "\(name).h"]
        #expect(kit.files == expected)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == expected.sorted())
        #expect(Set(kits.map(\.password)).count == 3, "each kit has its own password")

        let verify = try Self.run("openssl", ["verify", "-CAfile", "ca.pem", "-untrusted", "chain.pem", "\(name).crt.pem"], in: folder)
        #expect(verify.status == 0 && verify.stdout.contains(": OK"), "\(verify)")
        let der = try Self.run("openssl", ["x509", "-inform", "DER", "-in", "\(name).crt.der", "-noout", "-subject"], in: folder)
        #expect(der.stdout.contains("CN = \(name)"), "\(der)")
        let key = try Self.run("openssl", ["pkey", "-inform", "DER", "-in", "\(name).key.der", "-noout"], in: folder)
        #expect(key.status == 0, "\(key)")

        let p12 = try Self.run("openssl", ["pkcs12", "-in", "\(name).p12", "-passin", "pass:\(kit.password)", "-nokeys"], in: folder)
        #expect(p12.status == 0 && p12.stdout.contains("CN = \(name)"), "\(p12)")
        let wrong = try Self.run("openssl", ["pkcs12", "-in", "\(name).p12", "-passin", "pass:not-the-password", "-nokeys"], in: folder)
        #expect(wrong.status != 0, "\(wrong)")
        // keytool comes with a JRE (scripts/test installs default-jre-headless when it is missing).
        #expect(Run.available("keytool"), "keytool is missing: sudo apt-get install -y default-jre-headless (scripts/test does it as root)")
        do {
            let keytool = try Self.run("keytool", ["-list", "-keystore", "\(name).p12", "-storetype", "PKCS12", "-storepass", kit.password], in: folder)
            #expect(keytool.status == 0 && keytool.stdout.contains("contains 1 entry") && keytool.stdout.contains("PrivateKeyEntry"), "\(keytool)")
        }

        try "#include \"\(name).h\"\nint main(void) { return (sizeof lab_cert_der + lab_key_der_len + sizeof lab_ca_pem + sizeof lab_key_pem) > 0 ? 0 : 1; }\n"
            .write(toFile: "\(scratch.path)/main.c", atomically: true, encoding: .utf8)
        let gcc = try Self.run("gcc", ["-Wall", "-Werror", "-I", folder, "-o", "main", "main.c"], in: scratch.path)
        #expect(gcc.status == 0, "\(gcc)")
        #expect(try Self.run("\(scratch.path)/main", [], in: scratch.path).status == 0)

        let script = """
            import os, sys, zipfile
            path, folder = sys.argv[1], sys.argv[2]
            z = zipfile.ZipFile(path)
            assert z.testzip() is None
            names = [n.split("/", 1)[1] for n in z.namelist()]
            assert all(n.startswith(os.path.basename(folder) + "/") for n in z.namelist()), z.namelist()
            assert sorted(names) == sorted(os.listdir(folder)), (names, os.listdir(folder))
            for entry, name in zip(z.infolist(), names):
                file = os.path.join(folder, name)
                assert z.read(entry) == open(file, "rb").read(), name
                assert (entry.external_attr >> 16) & 0o777 == os.stat(file).st_mode & 0o777, name
            print("OK", len(names))
            """
        let zip = kit.zip.hasPrefix("/") ? kit.zip : "\(scratch.path)/\(kit.zip)"
        let python = try Self.run("python3", ["-c", script, zip, folder], in: scratch.path)
        #expect(python.status == 0 && python.stdout.contains("OK 10"), "\(python)")

        for file in ["\(name).key.pem", "\(name).key.der", "\(name).p12", "password.txt", "\(name).h"] {
            #expect(Self.mode("\(folder)/\(file)") == 0o600, "\(file)")
        }
        #expect(Self.mode(zip) == 0o600)
        #expect(Self.mode("\(folder)/ca.pem") == 0o644)
        #expect(scratch.read("ca/workshop/kits/\(name)/password.txt") == kit.password + "\n")

        let readme = try #require(scratch.read("ca/workshop/kits/\(name)/README.html"))
        #expect(readme.contains(kit.password) && readme.contains("<code>\(name)</code>"))
        #expect(readme.contains("curl --cacert ca.pem --cert chain.pem --key \(name).key.pem https://localhost:8443/whoami"), "\(readme)")
        #expect(readme.contains("mosquitto_pub") && readme.contains("openssl s_client") && readme.contains("import socket, ssl"))
        #expect(readme.contains("&#39;devices/\(name)/state&#39;"), "quotes are escaped")
        let fingerprint = try Self.run("openssl", ["x509", "-in", "\(name).crt.pem", "-noout", "-fingerprint", "-sha256"], in: folder)
        let hex = fingerprint.stdout.split(separator: "=").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? "?"
        #expect(readme.uppercased().contains(hex.uppercased()) || readme.uppercased().contains(hex.replacingOccurrences(of: ":", with: "")),
                "fingerprint \(hex)")
    }

    @Test("Running again keeps passwords and every byte; --new-passwords changes them and the p12 files follow")
    func idempotent() throws {
        let scratch = try Self.lab()
        defer { scratch.remove() }
        let first = try Self.kits(scratch)
        func snapshot() throws -> [String: Data] {
            var result: [String: Data] = [:]
            let root = "\(scratch.path)/ca/workshop/kits"
            for kit in first {
                result[kit.identity + ".zip"] = try Data(contentsOf: URL(fileURLWithPath: "\(root)/\(kit.identity).zip"))
                for file in kit.files { result["\(kit.identity)/\(file)"] = try Data(contentsOf: URL(fileURLWithPath: "\(root)/\(kit.identity)/\(file)")) }
            }
            return result
        }
        let before = try snapshot()
        func modified(_ kit: Kit) -> [Date?] {
            ["\(kit.identity).zip", "\(kit.identity)/\(kit.identity).p12", "\(kit.identity)/README.html"].map {
                (try? FileManager.default.attributesOfItem(atPath: "\(scratch.path)/ca/workshop/kits/\($0)"))?[.modificationDate] as? Date
            }
        }
        let times = first.map(modified)
        usleep(20_000)
        let again = try Self.kits(scratch)
        #expect(again == first)
        #expect(try snapshot() == before, "nothing was rewritten differently")
        #expect(first.map(modified) == times, "unchanged files are not rewritten at all")

        let renewed = try Self.kits(scratch, ["--new-passwords"])
        #expect(renewed.map(\.identity) == first.map(\.identity))
        for (old, new) in zip(first, renewed) { #expect(old.password != new.password) }
        let kit = try #require(renewed.first)
        let folder = "\(scratch.path)/ca/workshop/kits/\(kit.identity)"
        let opens = try Self.run("openssl", ["pkcs12", "-in", "\(kit.identity).p12", "-passin", "pass:\(kit.password)", "-nokeys"], in: folder)
        #expect(opens.status == 0, "\(opens)")
        let old = try Self.run("openssl", ["pkcs12", "-in", "\(kit.identity).p12", "-passin", "pass:\(first[0].password)", "-nokeys"], in: folder)
        #expect(old.status != 0, "\(old)")
        #expect(scratch.read("ca/workshop/kits/\(kit.identity)/README.html")?.contains(kit.password) == true)
    }

    @Test("Names, --fleet, --out and --host (escaped in the README); the table says what to do next")
    func namesAndOptions() throws {
        let scratch = try Self.lab()
        defer { scratch.remove() }
        let result = try Pkilab.run(["workshop", "kits", "device-001", "--fleet", "attendee", "--out", "handouts", "--host", "lab<1>&co"],
                                    in: scratch.path, timeout: 60)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("IDENTITY") && result.stdout.contains("P12 PASSWORD") && result.stdout.contains("pkilab up --console"), "\(result)")
        for name in ["device-001", "attendee-0001", "attendee-0003"] {
            #expect(scratch.exists("handouts/\(name).zip") && scratch.exists("handouts/\(name)/\(name).p12"), "\(name)")
            let password = try #require(scratch.read("handouts/\(name)/password.txt")).trimmingCharacters(in: .newlines)
            #expect(result.stdout.contains(password), "the table shows \(name)'s password")
        }
        #expect(!scratch.exists("ca/workshop"))
        #expect(result.stderr.contains("Warning: the server certificate does not name \"lab<1>&co\""), "\(result)")
        let readme = try #require(scratch.read("handouts/device-001/README.html"))
        #expect(readme.contains("https://lab&lt;1&gt;&amp;co:8443/whoami") && !readme.contains("lab<1>"), "\(readme)")
    }

    @Test("The README's commands (curl, openssl s_client, mosquitto_pub, Python ssl) work as written against the running lab's real ports")
    func commandsWork() throws {
        let scratch = try Self.lab()
        defer { scratch.remove() }
        let lab = try LabProcess(scratch: scratch)
        defer { lab.stop() }
        let kit = try #require(try Self.kits(scratch, ["attendee-0001"]).first)
        let folder = "\(scratch.path)/ca/workshop/kits/attendee-0001"
        let readme = try #require(scratch.read("ca/workshop/kits/attendee-0001/README.html"))
        let commands = readme.components(separatedBy: "<pre>").dropFirst().compactMap { $0.components(separatedBy: "</pre>").first }.map {
            $0.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&quot;", with: "\"")
                .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
        }
        func run(_ prefix: String, before: String = "", after: String = "") throws -> RunResult {
            let command = try #require(commands.first { $0.hasPrefix(prefix) }, "\(prefix) in \(commands)")
            return try Run.program("bash", ["-c", before + command + after], cwd: folder, timeout: 30)
        }
        #expect(commands.contains { $0.contains("https://localhost:\(lab.httpsPort)/whoami") }, "the running lab's port: \(commands)")
        let curl = try run("curl")
        #expect(curl.status == 0 && curl.stdout.contains("attendee-0001"), "\(curl)")
        // -quiet ignores the end of the input (an attendee types, then Ctrl-C); -no_ign_eof after it ends the test's run.
        let echo = try run("openssl s_client", before: "(echo 'ping from the kit'; sleep 2) | ", after: " -no_ign_eof")
        #expect(echo.stdout.contains("ping from the kit"), "\(echo)")
        let publish = try run("mosquitto_pub")
        #expect(publish.status == 0, "\(publish)")
        let python = try run("python3")
        #expect(python.status == 0 && python.stdout.contains("hello from attendee-0001"), "\(python)")
        do {
            let p12 = try run("openssl pkcs12")
            #expect(p12.status == 0 && p12.stdout.contains("PrivateKeyEntry") && !kit.password.isEmpty, "\(p12)")
        }
    }

    @Test("An unknown name or fleet is refused by name (64) before anything is written; a lab without fleets says how to make one")
    func refusals() throws {
        let scratch = try Scratch.exportLab()
        defer { scratch.remove() }
        let none = try Pkilab.run(["workshop", "kits"], in: scratch.path)
        #expect(none.status == 66 && none.stderr.contains("pkilab fleet attendee --count 20"), "\(none)")
        let unknown = try Pkilab.run(["workshop", "kits", "device-001", "nobody-0042"], in: scratch.path)
        #expect(unknown.status == 64 && unknown.stderr.contains("\"nobody-0042\""), "\(unknown)")
        let fleet = try Pkilab.run(["workshop", "kits", "--fleet", "visitors"], in: scratch.path)
        #expect(fleet.status == 64 && fleet.stderr.contains("\"visitors\""), "\(fleet)")
        let authority = try Pkilab.run(["workshop", "kits", "issuing"], in: scratch.path)
        #expect(authority.status == 64 && authority.stderr.contains("authority"), "\(authority)")
        #expect(!scratch.exists("ca/workshop"))
    }
}
