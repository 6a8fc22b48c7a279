import Foundation
import Testing
@testable import PKILab

/// The kits' zip writer byte by byte, and the kits' password and HTML escaping. (Python's zipfile reads real
/// kits in the CLI tests.)
@Suite("Workshop: the zip writer, the kit passwords, the README's escaping, listing kits", .timeLimit(.minutes(1)))
struct WorkshopZipArchiveTests {
    @Test("CRC-32 is the IEEE one: \"123456789\" gives 0xCBF43926, nothing gives 0")
    func crc() {
        #expect(ZipArchive.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(ZipArchive.crc32([]) == 0)
        #expect(ZipArchive.crc32(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    }

    @Test("A stored entry: local header, data, central directory with the Unix mode, end record; same entries, same bytes")
    func layout() {
        let date = Date(timeIntervalSince1970: 1_767_225_600 + 13 * 3600 + 14 * 60 + 31)  // 2026-01-01 13:14:31 UTC
        let archive = ZipArchive(entries: [.init(name: "kit/a.txt", bytes: Array("hello".utf8), mode: 0o600, modified: date)])
        let bytes = archive.bytes
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> UInt32 { UInt32(u16(at)) | UInt32(u16(at + 2)) << 16 }
        #expect(u32(0) == 0x0403_4B50)
        #expect(u16(8) == 0, "stored")
        #expect(u16(10) == 13 << 11 | 14 << 5 | 15, "DOS time, two-second steps")
        #expect(u16(12) == (2026 - 1980) << 9 | 1 << 5 | 1, "DOS date")
        #expect(u32(14) == ZipArchive.crc32(Array("hello".utf8)))
        #expect(u32(18) == 5 && u32(22) == 5)
        #expect(Array(bytes[30..<39]) == Array("kit/a.txt".utf8) && Array(bytes[39..<44]) == Array("hello".utf8))
        let central = 44
        #expect(u32(central) == 0x0201_4B50)
        #expect(u16(central + 4) >> 8 == 3, "made by Unix")
        #expect(u32(central + 38) >> 16 == 0o100600, "regular file, 0600")
        let end = bytes.count - 22
        #expect(u32(end) == 0x0605_4B50 && u16(end + 10) == 1 && u32(end + 16) == UInt32(central))
        #expect(archive.bytes == bytes)
        #expect(ZipArchive.dosTimeAndDate(Date(timeIntervalSince1970: 0)) == (0, 1 << 5 | 1), "before 1980: the first DOS day")
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
