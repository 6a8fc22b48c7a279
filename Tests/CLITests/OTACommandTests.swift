import Foundation
import PKILab
import PKILabTestSupport
import Testing

@Suite("pkilab ota: its commands, their errors, and an images folder that would expose the store")
struct OTACommandTests {
    @Test("ls, image and presign: what they print, and each mistake with its exit code")
    func commands() throws {
        let scratch = try Scratch(lab: LabTemplate.starter)
        defer { scratch.remove() }
        let empty = try Pkilab.run(["ota", "ls"], in: scratch.path)
        #expect(empty.status == 0 && empty.stdout.contains("No images in \"firmware\" yet") && empty.stdout.contains("pkilab ota image 1.2.0"), "\(empty)")
        let made = try Pkilab.run(["ota", "image", "1.2.0", "--size", "2KiB"], in: scratch.path)
        #expect(made.status == 0 && made.stdout.hasPrefix("Wrote \"firmware/app-v1.2.0.bin\": a rehearsal image of app 1.2.0, 2048 bytes"), "\(made)")
        // A file whose name says nothing: its version is read from the app descriptor inside.
        try FileManager.default.moveItem(atPath: scratch.path + "/firmware/app-v1.2.0.bin", toPath: scratch.path + "/firmware/build.bin")
        let listed = try Pkilab.run(["ota", "ls", "--json"], in: scratch.path)
        let rows = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(rows.count == 1 && rows[0]["version"] as? String == "1.2.0" && rows[0]["versionFrom"] as? String == "app descriptor", "\(listed)")
        #expect((rows[0]["allowed"] as? [String])?.sorted() == ["device-001", "device-002"])

        let url = try Pkilab.run(["ota", "presign", "build.bin", "--at", "2020-01-01T00:00:00Z", "--expires", "60s"], in: scratch.path)
        #expect(url.status == 0 && url.stdout.hasPrefix("https://localhost:9443/firmware/build.bin?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=PKILAB")
                && url.stdout.contains("X-Amz-Date=20200101T000000Z&X-Amz-Expires=60&"), "\(url)")
        #expect(scratch.exists("ca/ota-credentials.json"))
        let mode = try FileManager.default.attributesOfItem(atPath: scratch.path + "/ca/ota-credentials.json")[.posixPermissions] as? Int
        #expect(mode == 0o600, "the lab's signing secret is 0600")

        let cases: [([String], Int32, String)] = [
            (["ota", "presign", "nothing.bin"], 66, "there is no image \"nothing.bin\" in \"firmware\""),
            (["ota", "presign", "build.bin", "--expires", "8d"], 64, "not a duration of 1 second to 7 days"),
            (["ota", "presign", "build.bin", "--fault", "slow"], 64, "there is no such fault"),
            (["ota", "image", "one.two"], 64, "\"one.two\" is not a version"),
            (["ota", "image", "1.0", "--size", "100"], 64, "not a size from 288 bytes to 64MiB"),
        ]
        for (arguments, status, message) in cases {
            let result = try Pkilab.run(arguments, in: scratch.path)
            #expect(result.status == status && result.stderr.contains(message), "\(arguments): \(result)")
        }
    }

    @Test("a lab without ota: says how to add it; images: pointing at the store is refused before anything listens")
    func misconfigured() throws {
        let plain = try Scratch(lab: Scratch.lab())
        defer { plain.remove() }
        let none = try Pkilab.run(["ota", "ls"], in: plain.path)
        #expect(none.status == 64 && none.stderr.contains("has no ota: section") && none.stderr.contains("docs/ota.md"), "\(none)")

        let exposed = try Scratch(lab: LabTemplate.starter.replacingOccurrences(of: "  images: firmware ", with: "  images: ca       "))
        defer { exposed.remove() }
        let up = try Pkilab.run(["up", "--port", "echo=0", "--port", "https=0", "--port", "mqtt=0", "--port", "crl=0", "--port", "sntp=0",
                                 "--port", "store=0", "--port", "store-untrusted=0"], in: exposed.path, timeout: 60)
        #expect(up.status == 65, "\(up)")
        #expect(up.stderr.contains("ota.images: the images folder \"ca\" holds the store") || up.stderr.contains("ota.images: the images folder \"ca\" lies inside"),
                "\(up)")
    }
}
