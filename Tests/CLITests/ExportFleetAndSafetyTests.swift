import Foundation
import PKILabTestSupport
import Testing

/// What a new user ran into: fleet members that could not be exported, README serials without leading zeros, and
/// `--out` overwriting the user's own files.
@Suite("pkilab export: fleet members, openssl's serial, never over the user's files", .serialized, .timeLimit(.minutes(3)))
struct ExportFleetAndSafetyTests {
    @Test("A fleet member exports in every format (its chain is the fleet's shared chain.pem) and openssl verifies it; show lists only files that exist")
    func fleetMember() throws {
        let scratch = try Scratch.exportLab()
        defer { scratch.remove() }
        let fleet = try Pkilab.run(["fleet", "attendee", "--count", "3"], in: scratch.path)
        #expect(fleet.status == 0, "\(fleet)")
        for format in ["pem", "der", "c", "arduino", "esp-idf", "bearssl", "p12"] {
            let export = try Pkilab.run(["export", "attendee-0002", "--format", format, "--password", "pass:pw"], in: scratch.path)
            #expect(export.status == 0, "\(format): \(export)")
        }
        let pem = "ca/exports/attendee-0002/pem"
        let verify = try Run.program("openssl", ["verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", "\(pem)/ca.pem", "-untrusted", "\(pem)/chain.pem", "\(pem)/fullchain.pem"],
                                     cwd: scratch.path, timeout: 30)
        #expect(verify.status == 0 && verify.stdout.contains(": OK"), "\(verify)")
        let subject = try Run.program("openssl", ["x509", "-in", "\(pem)/cert.pem", "-noout", "-subject"], cwd: scratch.path, timeout: 30)
        #expect(subject.stdout.contains("CN = attendee-0002"), "\(subject)")
        let p12 = try Run.program("openssl", ["pkcs12", "-in", "ca/exports/attendee-0002/p12/attendee-0002.p12", "-passin", "pass:pw", "-nokeys"], cwd: scratch.path, timeout: 30)
        #expect(p12.status == 0 && p12.stdout.contains("CN = CLI Test Issuing"), "the p12 holds the intermediate too: \(p12)")

        let show = try Pkilab.run(["show", "attendee-0002"], in: scratch.path)
        #expect(show.status == 0, "\(show)")
        let files = try #require(show.stdout.split(separator: "\n").first { $0.contains("Files") })
        #expect(files.contains("cert.pem") && files.contains("key.pem") && files.contains("../chain.pem"), "\(files)")
        #expect(!files.contains("fullchain.pem"), "a fleet member has no fullchain.pem: \(files)")
        #expect(scratch.exists("ca/fleet/attendee/attendee-0002/cert.pem") && scratch.exists("ca/fleet/attendee/chain.pem"))
        // A file named without a folder: the files beside it, and no fleet chain from nowhere.
        let bare = try Pkilab.run(["show", "cert.pem", "--lab", "../../../lab.yaml"], in: scratch.path + "/ca/certs/device-001")
        #expect(bare.status == 0 && bare.stdout.contains("cert.pem, key.pem, chain.pem, fullchain.pem") && !bare.stdout.contains("shared by the fleet"), "\(bare)")
    }

    @Test("Every export's README prints the serial as openssl does (colon-separated two-digit upper-case bytes)")
    func readmeSerial() throws {
        let scratch = try Scratch.exportLab()
        defer { scratch.remove() }
        #expect(try Pkilab.run(["fleet", "attendee", "--count", "8"], in: scratch.path).status == 0)
        // Eleven random serials: the chance that none has a byte below 0x10 (which the old README shortened) is
        // below one in ten thousand.
        for identity in ["device-001", "rsa-device", "server"] + (1...8).map({ "attendee-000\($0)" }) {
            let export = try Pkilab.run(["export", identity, "--format", "der"], in: scratch.path)
            #expect(export.status == 0, "\(export)")
            let serial = try Run.program("openssl", ["x509", "-inform", "DER", "-in", "ca/exports/\(identity)/der/cert.der", "-noout", "-serial"],
                                         cwd: scratch.path, timeout: 30)
            let hex = serial.stdout.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "serial=", with: "")
            #expect(hex.count % 2 == 0 && !hex.isEmpty, "\(serial)")
            let expected = stride(from: 0, to: hex.count, by: 2).map { offset -> String in
                let start = hex.index(hex.startIndex, offsetBy: offset)
                return String(hex[start..<hex.index(start, offsetBy: 2)])
            }.joined(separator: ":")
            let readme = scratch.read("ca/exports/\(identity)/der/README.txt") ?? ""
            #expect(readme.contains("Certificate serial \(expected), valid until"), "\(identity): \(expected) in \(readme)")
        }
    }

    @Test("--out with the user's secrets.h and README.txt: refused (exit 78) naming them and --force, nothing changed; --force overwrites; again: up to date")
    func userFiles() throws {
        let scratch = try Scratch.exportLab()
        defer { scratch.remove() }
        try FileManager.default.createDirectory(atPath: scratch.path + "/firmware", withIntermediateDirectories: true)
        try scratch.write("firmware/secrets.h", "#define WIFI_SSID \"home\"\n")
        try scratch.write("firmware/README.txt", "My sketch.\n")
        let refused = try Pkilab.run(["export", "device-001", "--format", "arduino", "--out", "firmware"], in: scratch.path)
        #expect(refused.status == 78, "\(refused)")
        #expect(refused.stderr.contains("secrets.h") && refused.stderr.contains("README.txt") && refused.stderr.contains("--force"), "\(refused)")
        #expect(scratch.read("firmware/secrets.h") == "#define WIFI_SSID \"home\"\n" && scratch.read("firmware/README.txt") == "My sketch.\n")
        #expect(!scratch.exists("firmware/lab_credentials.h"))
        let forced = try Pkilab.run(["export", "device-001", "--format", "arduino", "--out", "firmware", "--force"], in: scratch.path)
        #expect(forced.status == 0 && scratch.read("firmware/secrets.h")?.contains("THINGNAME \"device-001\"") == true, "\(forced)")
        #expect(scratch.read("firmware/.pkilab-export.json")?.contains("secrets.h") == true)
        let again = try Pkilab.run(["export", "device-001", "--format", "arduino", "--out", "firmware"], in: scratch.path)
        #expect(again.status == 0 && again.stdout.contains("is up to date"), "\(again)")
        // Edited after pkilab wrote it: the user's now.
        try scratch.write("firmware/secrets.h", "#define WIFI_SSID \"office\"\n")
        let edited = try Pkilab.run(["export", "rsa-device", "--format", "arduino", "--out", "firmware"], in: scratch.path)
        #expect(edited.status == 78 && edited.stderr.contains("secrets.h") && !edited.stderr.contains("lab_credentials.h"), "\(edited)")
        #expect(scratch.read("firmware/secrets.h") == "#define WIFI_SSID \"office\"\n")
    }
}
