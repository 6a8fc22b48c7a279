import Foundation
import PKILab
import Testing

/// Lab files that are not text at all: bytes that are not UTF-8 (`Fixtures/bad-bytes`, read from disk as a user's
/// file is, since they cannot be held in a Swift String), with the same `# expect:` header as `bad-labs`.
@Suite("Lab files that are not UTF-8 text")
struct LabBytesTests {
    static let folder = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/bad-bytes")

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
    }

    @Test("the corpus is there")
    func present() {
        #expect(!Self.files.isEmpty)
    }

    @Test("the first bad byte is reported at its own line and column", arguments: files)
    func refused(file: String) throws {
        let path = Self.folder.appendingPathComponent(file).path
        let bytes = try #require(FileManager.default.contents(atPath: path))
        #expect(String(data: bytes, encoding: .utf8) == nil, "the fixture must not be UTF-8")
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).prefix(2).map { String(decoding: $0, as: UTF8.self) }
        let header = lines[0].replacingOccurrences(of: "# expect: ", with: "").split(separator: " ").map(String.init)
        let position = header[1].split(separator: ":").compactMap { Int($0) }
        let message = lines[1].replacingOccurrences(of: "# message: ", with: "")
        #expect {
            try LabFileReader(displayName: file).read(path: path)
        } throws: { error in
            guard let error = error as? LabFileError else { return false }
            #expect(error.code.rawValue == header[0])
            #expect([error.location.line, error.location.column] == position, "\(error)")
            #expect(error.description.contains(message), "\(error)")
            #expect(error.description.hasPrefix("\(file):\(header[1]): \(file) must be UTF-8 text"), "\(error)")
            #expect(error.hint != nil)
            return true
        }
    }
}
