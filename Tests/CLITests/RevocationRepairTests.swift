import Foundation
import PKILabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

private let repairLab = Scratch.lab(extra: """
      device-002: { issuer: issuing, role: client }
    """)

/// The CRL files of the issuing authority (DER, PEM, and the bundle of all lists).
private let listFiles = ["ca/crl/issuing.crl", "ca/crl/issuing.crl.pem", "ca/crl/all.pem"]

@Suite("A CRL out of step with ca/crl/revocations.json (a killed revoke) is re-signed from the ledger by the next command",
       .serialized, .timeLimit(.minutes(5)))
struct RevocationRepairTests {
    /// `openssl verify -crl_check` of a lab device against the lab's CRL bundle: true when openssl says revoked.
    static func opensslSaysRevoked(_ name: String, in scratch: Scratch) throws -> Bool {
        let result = try Run.program("openssl", ["verify", "-crl_check", "-CRLfile", "ca/crl/all.pem", "-CAfile", "ca/root.pem",
                                                 "-untrusted", "ca/certs/\(name)/chain.pem", "ca/certs/\(name)/cert.pem"], cwd: scratch.path)
        let text = result.stdout + result.stderr
        #expect(result.status == 0 || text.contains("certificate revoked"), "openssl fails only for revocation: \(result)")
        return result.status != 0
    }

    /// What `pkilab ls --json` says of `name`'s revocation (the ledger's view).
    static func ledgerSaysRevoked(_ name: String, in scratch: Scratch) throws -> Bool {
        let list = try Pkilab.run(["ls", "--json"], in: scratch.path)
        #expect(list.status == 0, "\(list)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]], "\(list)")
        return rows.first { $0["name"] as? String == name }?["revoked"] as? Bool == true
    }

    /// The bytes of the issuing authority's list files.
    static func saveLists(_ scratch: Scratch) throws -> [String: Data] {
        Dictionary(uniqueKeysWithValues: try listFiles.map { ($0, try Data(contentsOf: URL(fileURLWithPath: "\(scratch.path)/\($0)"))) })
    }

    /// Puts earlier list files back over the current ones, leaving the ledger as it is: exactly what a run killed
    /// after the ledger moved into place and before the lists did leaves (LabStore.writeRevocationLists).
    static func restore(_ lists: [String: Data], files: [String] = listFiles, in scratch: Scratch) throws {
        for file in files { try lists[file]!.write(to: URL(fileURLWithPath: "\(scratch.path)/\(file)")) }
    }

    @Test("ledger revoked, CRL not: each command that opens the store re-signs the CRL and says so in one line",
          arguments: [["ls"], ["ls", "--json"], ["verify", "device-001"], ["show", "device-001"], ["issue"], ["revoke", "device-001"], ["unrevoke", "device-002"]])
    func revokedInLedgerOnly(command: [String]) throws {
        let scratch = try Scratch(lab: repairLab)
        defer { scratch.remove() }
        #expect(try Pkilab.run(["issue"], in: scratch.path).status == 0)
        let before = try Self.saveLists(scratch)
        #expect(try Pkilab.run(["revoke", "device-001", "--reason", "keyCompromise"], in: scratch.path).status == 0)
        try Self.restore(before, in: scratch)
        #expect(try !Self.opensslSaysRevoked("device-001", in: scratch), "the torn state: the CRL lets the revoked device in")

        let run = try Pkilab.run(command, in: scratch.path)
        #expect(run.status == (command[0] == "verify" ? 1 : 0), "\(run)")
        let notes = (run.stdout + "\n" + run.stderr).split(separator: "\n").filter { $0.hasPrefix("Note: ca/crl/issuing.crl did not list what ca/crl/revocations.json revokes") }
        #expect(notes.count == 1, "one line says what was repaired: \(run)")
        #expect(try Self.opensslSaysRevoked("device-001", in: scratch), "openssl now refuses it, as the ledger says")
        #expect(try !Self.opensslSaysRevoked("device-002", in: scratch))
        #expect(try Self.ledgerSaysRevoked("device-001", in: scratch))
        if command == ["ls", "--json"] {
            #expect((try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8))) != nil, "the note goes to stderr, the JSON stays whole")
        }
        if command[0] == "revoke" {
            #expect(!run.stdout.contains("nothing changed") && run.stdout.contains("did not all list it"), "\(run)")
        }
        if command[0] == "verify" { #expect(run.stdout.contains("revoked"), "\(run)") }
        let again = try Pkilab.run(command, in: scratch.path)
        #expect(!again.stderr.contains("Note: ca/crl"), "repaired once: \(again)")
    }

    @Test("ledger lifted, CRL still revoking (a killed unrevoke): unrevoke does not say nothing changed, and the device is let in again")
    func liftedInLedgerOnly() throws {
        let scratch = try Scratch(lab: repairLab)
        defer { scratch.remove() }
        #expect(try Pkilab.run(["issue"], in: scratch.path).status == 0)
        #expect(try Pkilab.run(["revoke", "device-001"], in: scratch.path).status == 0)
        let revoked = try Self.saveLists(scratch)
        #expect(try Pkilab.run(["unrevoke", "device-001"], in: scratch.path).status == 0)
        try Self.restore(revoked, in: scratch)
        #expect(try Self.opensslSaysRevoked("device-001", in: scratch), "the torn state: the CRL still refuses it")

        let lift = try Pkilab.run(["unrevoke", "device-001"], in: scratch.path)
        #expect(lift.status == 0 && !lift.stdout.contains("nothing changed") && lift.stdout.contains("still listed it"), "\(lift)")
        #expect(try !Self.opensslSaysRevoked("device-001", in: scratch))
        #expect(try !Self.ledgerSaysRevoked("device-001", in: scratch))
    }

    @Test("only the PEM copy and the bundle lag behind the DER list: they are re-signed too")
    func pemLagsBehind() throws {
        let scratch = try Scratch(lab: repairLab)
        defer { scratch.remove() }
        #expect(try Pkilab.run(["issue"], in: scratch.path).status == 0)
        let before = try Self.saveLists(scratch)
        #expect(try Pkilab.run(["revoke", "device-001"], in: scratch.path).status == 0)
        try Self.restore(before, files: ["ca/crl/issuing.crl.pem", "ca/crl/all.pem"], in: scratch)
        #expect(try !Self.opensslSaysRevoked("device-001", in: scratch))
        let verify = try Pkilab.run(["verify", "device-001"], in: scratch.path)
        #expect(verify.status == 1 && verify.stderr.contains("Note: ca/crl/issuing.crl did not list"), "\(verify)")
        #expect(try Self.opensslSaysRevoked("device-001", in: scratch))
        let pem = try Run.program("openssl", ["crl", "-in", "ca/crl/issuing.crl.pem", "-noout", "-text"], cwd: scratch.path)
        let der = try Run.program("openssl", ["crl", "-in", "ca/crl/issuing.crl", "-inform", "DER", "-noout", "-text"], cwd: scratch.path)
        #expect(pem.stdout == der.stdout && pem.stdout.contains("Serial Number"), "the PEM and DER lists are the same list: \(pem)\n\(der)")
    }

    @Test("only all.pem (what Mosquitto, nginx and curl read) lags behind the lists: ls rewrites it, revoke does not say nothing changed",
          arguments: [["ls"], ["revoke", "device-001"]])
    func bundleLagsBehind(command: [String]) throws {
        let scratch = try Scratch(lab: repairLab)
        defer { scratch.remove() }
        #expect(try Pkilab.run(["issue"], in: scratch.path).status == 0)
        let before = try Self.saveLists(scratch)
        #expect(try Pkilab.run(["revoke", "device-001"], in: scratch.path).status == 0)
        try Self.restore(before, files: ["ca/crl/all.pem"], in: scratch)
        #expect(try !Self.opensslSaysRevoked("device-001", in: scratch))
        let run = try Pkilab.run(command, in: scratch.path)
        #expect(run.status == 0 && run.stderr.contains("Note: ca/crl/all.pem did not hold the current CRLs"), "\(run)")
        #expect(!run.stdout.contains("nothing changed"), "\(run)")
        #expect(try Self.opensslSaysRevoked("device-001", in: scratch))
    }

    /// Whether `ca/crl/revocations.json` itself lists `name` (read directly, without pkilab).
    static func ledgerFileRevokes(_ name: String, in scratch: Scratch) -> Bool {
        guard let data = FileManager.default.contents(atPath: scratch.path + "/ca/crl/revocations.json"),
              let ledger = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let authorities = ledger["authorities"] as? [String: [String: Any]] else { return false }
        return authorities.values.contains { ($0["revoked"] as? [[String: Any]])?.contains { $0["name"] as? String == name } == true }
    }

    @Test("kill -9 revoke and unrevoke around the moment they write, many times: after the next command the CRL always agrees with the ledger")
    func killLoop() throws {
        let scratch = try Scratch(lab: repairLab)
        defer { scratch.remove() }
        #expect(try Pkilab.run(["issue"], in: scratch.path).status == 0)
        // How long a whole revoke or unrevoke takes here (the quickest of three): the writes come at its end, so
        // the kills are spread over its second half and a little beyond.
        var quickest = TimeInterval.infinity
        for command in ["revoke", "unrevoke", "revoke"] {
            let started = Date()
            #expect(try Pkilab.run([command, "device-001"], in: scratch.path).status == 0)
            quickest = min(quickest, Date().timeIntervalSince(started))
        }
        let whole = UInt32(quickest * 1_000_000)
        var generator = SystemRandomNumberGenerator()
        var killed = 0, torn = 0
        for round in 0..<60 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Pkilab.binary)
            process.arguments = round % 2 == 0 ? ["unrevoke", "device-001"] : ["revoke", "device-001"]
            process.currentDirectoryURL = URL(fileURLWithPath: scratch.path)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32.random(in: (whole * 2 / 5)...(whole * 11 / 10), using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal { killed += 1 }
            if try Self.opensslSaysRevoked("device-001", in: scratch) != Self.ledgerFileRevokes("device-001", in: scratch) { torn += 1 }
            // ls --json opens the store (repairing what the kill tore); openssl must then agree with the ledger.
            let ledger = try Self.ledgerSaysRevoked("device-001", in: scratch)
            #expect(ledger == Self.ledgerFileRevokes("device-001", in: scratch))
            #expect(try Self.opensslSaysRevoked("device-001", in: scratch) == ledger, "round \(round): ledger says revoked=\(ledger)")
        }
        #expect(killed >= 10, "runs were killed before they finished (\(killed) of 60; \(torn) left the CRL and the ledger apart)")
    }
}
