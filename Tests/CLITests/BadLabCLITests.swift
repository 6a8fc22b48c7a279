import Foundation
import PKILabTestSupport
import Testing

@Suite("Malformed lab files on the command line", .timeLimit(.minutes(3)))
struct BadLabCLITests {
    static let folder = Pkilab.repository + "/Tests/PKILabTests/Fixtures/bad-labs"

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
    }

    @Test("each exits 65 with FILE:LINE:COL: key.path first, and writes nothing", arguments: files)
    func refused(file: String) throws {
        let text = try String(contentsOfFile: "\(Self.folder)/\(file)", encoding: .utf8)
        let header = text.prefix { $0 != "\n" }.replacingOccurrences(of: "# expect: ", with: "").split(separator: " ", maxSplits: 2)
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.write(file, text)
        let result = try Pkilab.run(["issue", "--lab", file, "--dir", "store"], in: scratch.path)
        #expect(result.status == 65, "\(result)")
        let prefix = header[2] == "-" ? "Error: \(file):\(header[1]): " : "Error: \(file):\(header[1]): \(header[2]): "
        #expect(result.stderr.hasPrefix(prefix), "\(result)")
        #expect(result.stdout.isEmpty)
        #expect(!scratch.exists("store"), "nothing written")
    }
}
