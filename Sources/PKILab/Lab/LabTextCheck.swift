/// What makes a lab file unreadable before YAML even starts: bytes that are not UTF-8, a NUL, nesting beyond
/// libyaml's limit. Each error points at the offending place, as every other lab.yaml error does.
enum LabTextCheck {
    /// How deep libyaml lets mappings and lists nest (its `MAX_NESTING_LEVEL`).
    static let maximumNesting = 1000

    /// The error for `bytes` that are not UTF-8: where the first bad byte is.
    static func notUTF8(_ bytes: [UInt8], file: String) -> LabFileError {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        var line = 1
        var column = 1
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                offset += encoded.count
                if encoded.count == 1 && encoded.first == 0x0A {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
                continue
            case .error(let length):
                let shown = bytes[offset..<min(bytes.count, offset + max(1, length))].map { "0x" + String($0, radix: 16, uppercase: true) }
                return LabFileError(.syntax, at: SourceLocation(file: file, line: line, column: column, keyPath: ""),
                                    "\(file) must be UTF-8 text; the byte \(shown.joined(separator: " ")) here is not UTF-8",
                                    hint: "save the file as UTF-8 (iconv -f latin1 -t utf-8 converts a Latin-1 file), or retype the character")
            case .emptyInput:
                return LabFileError(.syntax, at: SourceLocation(file: file, line: 1, column: 1, keyPath: ""),
                                    "\(file) must be UTF-8 text", hint: "save the file as UTF-8")
            }
        }
    }

    /// The error for a NUL character in `text`, or nil when it has none.
    static func nul(in text: String, file: String) -> LabFileError? {
        var line = 1
        var column = 1
        for scalar in text.unicodeScalars {
            if scalar == "\0" {
                return LabFileError(.syntax, at: SourceLocation(file: file, line: line, column: column, keyPath: ""),
                                    "\(file) must be text, but it holds a NUL byte (U+0000) here",
                                    hint: "delete it; if the whole file looks garbled, a binary file was saved under this name: write it again (pkilab init)")
            }
            if scalar == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return nil
    }

    /// The error for lists and mappings nested deeper than libyaml allows, at the point where it gave up.
    static func tooDeep(line: Int, column: Int, file: String) -> LabFileError {
        LabFileError(.syntax, at: SourceLocation(file: file, line: line, column: column, keyPath: ""),
                     "the YAML is nested deeper than \(maximumNesting) levels here",
                     hint: "a lab needs only a few levels; look for a long run of \"[\" or \"{\" (or ever deeper indentation) that never closes")
    }
}
