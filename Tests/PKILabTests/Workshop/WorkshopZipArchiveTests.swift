import Foundation
import Testing
import ZIPFoundation
@testable import PKILab

/// The kits' zip read back, and the kits' password and HTML escaping. (Python's zipfile reads real
/// kits in the CLI tests.)
@Suite("Workshop: the zip, the kit passwords, the README's escaping, listing kits", .timeLimit(.minutes(1)))
struct WorkshopZipArchiveTests {
    @Test("An archive read back: each entry's bytes, its Unix mode and its time; the same entries give the same bytes")
    func roundTrip() throws {
        let date = Date(timeIntervalSince1970: 1_767_225_600 + 13 * 3600 + 14 * 60 + 30)  // 2026-01-01 13:14:30 UTC
        let key = (0..<5_000).map { UInt8($0 % 251) }
        let archive = ZipArchive(entries: [.init(name: "kit/a.txt", bytes: Array("hello".utf8), mode: 0o644, modified: date),
                                           .init(name: "kit/key.der", bytes: key, mode: 0o600, modified: date)])
        let bytes = try archive.bytes()
        #expect(Array(bytes.prefix(4)) == [0x50, 0x4B, 0x03, 0x04])
        #expect(try archive.bytes() == bytes, "no clock is read")
        let read = try Archive(data: Data(bytes), accessMode: .read)
        let entries = Array(read)
        #expect(entries.map(\.path) == ["kit/a.txt", "kit/key.der"])
        #expect(entries.map { $0.fileAttributes[.posixPermissions] as? Int16 } == [0o644, 0o600])
        #expect(entries.allSatisfy { abs(($0.fileAttributes[.modificationDate] as? Date ?? .distantPast).timeIntervalSince(date)) < 2 })
        var contents: [Data] = []
        for entry in entries {
            var data = Data()
            _ = try read.extract(entry) { data.append($0) }
            contents.append(data)
        }
        #expect(contents == [Data("hello".utf8), Data(key)])
        #expect(entries[1].compressedSize < entries[1].uncompressedSize, "deflated")
    }

    @Test("Passwords: three groups of four unambiguous characters, different each time")
    func passwords() {
        let made = (0..<50).map { _ in WorkshopPassword.make() }
        for password in made {
            #expect(password.count == 14 && password.split(separator: "-").map(\.count) == [4, 4, 4], "\(password)")
            #expect(password.allSatisfy { $0 == "-" || WorkshopPassword.alphabet.contains($0) }, "\(password)")
            #expect(!password.contains { "0o1li".contains($0) })
        }
        #expect(Set(made).count == made.count)
        #expect(WorkshopPassword.read("  abcd-efgh  \nmore\n") == "abcd-efgh")
        #expect(WorkshopPassword.read("\n") == nil && WorkshopPassword.read("a\u{7}b") == nil)
    }

    @Test("The README escapes &, <, >, quotes")
    func escaping() {
        #expect(WorkshopKitReadme.escape("<b>\"Tom\" & 'Jerry'</b>") == "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;")
    }

    @Test("list(in:) finds the folders with a zip beside them, reads their passwords, orders their files as README.html does")
    func list() throws {
        let root = NSTemporaryDirectory() + "pkilab-kits-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        for folder in ["attendee-0002", "attendee-0001", "no-zip"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(folder)", withIntermediateDirectories: true)
        }
        for file in ["attendee-0001/ca.pem", "attendee-0001/README.html", "attendee-0001/attendee-0001.p12", "attendee-0001/notes.txt",
                     "attendee-0001.zip", "attendee-0002.zip", "no-zip/password.txt"] {
            try "x".write(toFile: "\(root)/\(file)", atomically: true, encoding: .utf8)
        }
        try "abcd-efgh-jkmn\n".write(toFile: "\(root)/attendee-0001/password.txt", atomically: true, encoding: .utf8)
        let kits = WorkshopKits.list(in: root)
        #expect(kits.map(\.identity) == ["attendee-0001", "attendee-0002"])
        #expect(kits.first?.password == "abcd-efgh-jkmn" && kits.last?.password == "")
        #expect(kits.first?.files == ["README.html", "password.txt", "ca.pem", "attendee-0001.p12", "notes.txt"])
        #expect(kits.first?.zip == "\(root)/attendee-0001.zip" && kits.first?.folder == "\(root)/attendee-0001")
        #expect(WorkshopKits.list(in: root + "/missing").isEmpty)
    }
}
