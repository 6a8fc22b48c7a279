import Foundation
import PKILab
import Testing

/// One malformed lab from `Fixtures/bad-labs`, with what its header says pkilab must report.
struct BadLab: CustomTestStringConvertible, Sendable {
    var file: String
    var text: String
    var code: String
    var line: Int
    var column: Int
    var keyPath: String
    var messageContains: String?

    var testDescription: String { file }

    static let folder = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/bad-labs")

    static var all: [BadLab] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.filter { $0.hasSuffix(".yaml") }.sorted().compactMap { file in
            guard let text = try? String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8) else { return nil }
            let lines = text.components(separatedBy: "\n")
            let header = lines[0].replacingOccurrences(of: "# expect: ", with: "").split(separator: " ", maxSplits: 2).map(String.init)
            let position = header[1].split(separator: ":").compactMap { Int($0) }
            let message = lines.count > 1 && lines[1].hasPrefix("# message: ") ? String(lines[1].dropFirst("# message: ".count)) : nil
            return BadLab(file: file, text: text, code: header[0], line: position[0], column: position[1],
                          keyPath: header[2] == "-" ? "" : header[2], messageContains: message)
        }
    }
}

@Suite("Malformed lab files")
struct BadLabCorpusTests {
    @Test("the corpus has at least 20 cases")
    func size() {
        #expect(BadLab.all.count >= 20)
    }

    @Test("each is refused with its code, line, column and key path", arguments: BadLab.all)
    func refused(_ bad: BadLab) {
        #expect {
            try LabFileReader(displayName: bad.file).parse(bad.text)
        } throws: { error in
            guard let error = error as? LabFileError else { return false }
            #expect(error.code.rawValue == bad.code)
            #expect(error.location.line == bad.line && error.location.column == bad.column, "\(error)")
            #expect(error.location.keyPath == bad.keyPath, "\(error)")
            if let expected = bad.messageContains { #expect(error.description.contains(expected), "\(error)") }
            #expect(error.hint != nil, "every error says what to do")
            return true
        }
    }
}
