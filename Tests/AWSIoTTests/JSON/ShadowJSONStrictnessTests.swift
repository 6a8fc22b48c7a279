import AWSIoT
import Testing

/// What ``IoTJSONParser`` accepts and refuses at the edges of RFC 8259, pinned so that the reader it shares with the
/// policy parser keeps the payload side exactly as strict as it was.
@Suite("Shadow and Jobs JSON: the edges of strictness")
struct ShadowJSONStrictnessTests {
    private func parse(_ bytes: [UInt8]) throws(IoTJSONParser.Failure) -> IoTJSON {
        try IoTJSONParser.parse(bytes)
    }

    private func parse(_ text: String) throws(IoTJSONParser.Failure) -> IoTJSON {
        try IoTJSONParser.parse(Array(text.utf8))
    }

    @Test("invalid UTF-8 is 415-style .notUTF8 even where the JSON is broken too; broken JSON alone is .invalidJSON")
    func utf8BeforeJSON() {
        #expect(throws: IoTJSONParser.Failure.notUTF8) { try parse([0x7B, 0xFF]) }
        #expect(throws: IoTJSONParser.Failure.notUTF8) { try parse([0x22, 0xED, 0xA0, 0x80, 0x22]) }  // an encoded surrogate
        #expect(throws: IoTJSONParser.Failure.notUTF8) { try parse([0x22, 0xC0, 0xAF, 0x22]) }  // an overlong "/"
        #expect(throws: IoTJSONParser.Failure.invalidJSON) { try parse([0x7B]) }
        #expect(throws: IoTJSONParser.Failure.invalidJSON) { try parse([0x00]) }
        #expect(throws: IoTJSONParser.Failure.invalidJSON) { try parse([0x22, 0x00, 0x22]) }
    }

    @Test("a byte order mark is refused, unlike in policy files")
    func byteOrderMark() throws {
        #expect(throws: IoTJSONParser.Failure.invalidJSON) { try parse([0xEF, 0xBB, 0xBF] + Array("{}".utf8)) }
        #expect(try parse("\"\u{FEFF}\"") == .string("\u{FEFF}"))
    }

    @Test("containers nest 128 deep, scalars may sit inside the 128th; the 129th container is refused")
    func depth() throws {
        let arrays = String(repeating: "[", count: 128) + "1" + String(repeating: "]", count: 128)
        #expect(throws: Never.self) { try parse(arrays) }
        let objects = String(repeating: "{\"a\":", count: 128) + "\"x\"" + String(repeating: "}", count: 128)
        #expect(throws: Never.self) { try parse(objects) }
        let tooDeep = String(repeating: "[", count: 129) + String(repeating: "]", count: 129)
        #expect(throws: IoTJSONParser.Failure.invalidJSON) { try parse(tooDeep) }
        let mixed = String(repeating: "[{\"a\":", count: 64) + "[]" + String(repeating: "}]", count: 64)
        #expect(throws: IoTJSONParser.Failure.invalidJSON) { try parse(mixed) }
        #expect(IoTJSONParser.maximumDepth == 128)
    }

    @Test("numbers: Int64 when integral and in range, else Double; infinite ones are refused")
    func numbers() throws {
        #expect(try parse("-0") == .int(0))
        #expect(try parse("9223372036854775807") == .int(.max))
        #expect(try parse("-9223372036854775808") == .int(.min))
        guard case .double(let above) = try parse("9223372036854775808") else { Issue.record("not a double"); return }
        #expect(above == 9.223372036854775808e18)
        guard case .double = try parse("1E2") else { Issue.record("1E2 is not a double"); return }
        guard case .double = try parse("1.0") else { Issue.record("1.0 is not a double"); return }
        #expect(try parse("1e-400") == .double(0))
        for text in ["1e400", "-1e400", "1e", "1e+", "-", "-01", "00", "0x1", "Infinity", "1.e3"] {
            #expect(throws: IoTJSONParser.Failure.invalidJSON, "\(text)") { try parse(text) }
        }
    }

    @Test("objects: a repeated key keeps its last value")
    func duplicateKeys() throws {
        #expect(try parse(#"{"a": 1, "b": 2, "a": [3]}"#) == .object(["a": .array([.int(3)]), "b": .int(2)]))
    }

    @Test("strings: surrogate pairs join, lone surrogates and raw control characters are refused, DEL is kept")
    func strings() throws {
        #expect(try parse(#""\uD83D\uDE00""#) == .string("😀"))
        #expect(try parse("\"\u{7F}é😀\"") == .string("\u{7F}é😀"))
        #expect(try parse(#""\/\b\f\n\r\t\u0000""#) == .string("/\u{08}\u{0C}\n\r\t\u{00}"))
        for text in [#""\udc00""#, #""\ud800\n""#, #""\ud800\u0041""#, #""\ud800\ud800""#, #""\u12""#, #""\u12G4""#, "\"\u{1F}\"", "\"\n\""] {
            #expect(throws: IoTJSONParser.Failure.invalidJSON, "\(text)") { try parse(text) }
        }
    }

    @Test("whitespace is space, tab, LF and CR only; nothing may follow the value")
    func whitespace() throws {
        #expect(try parse(" \t\r\n[ 1 ,\r\n2 ]\n ") == .array([.int(1), .int(2)]))
        for text in ["\u{0C}1", "\u{A0}1", "1\u{0B}", "[1] x", "{} {}", "[1]]"] {
            #expect(throws: IoTJSONParser.Failure.invalidJSON, "\(text)") { try parse(text) }
        }
    }
}
