import AWSIoT
import Testing

/// What the policy parser's JSON layer accepts, refuses and where it points, pinned so that the reader it shares with
/// ``IoTJSONParser`` keeps policy files exactly as they were: the BOM, the 64-level limit, messages and positions.
@Suite("Policy JSON: the edges of strictness, with positions")
struct PolicyJSONStrictnessTests {
    private func failure(_ text: String) -> IoTPolicyError? {
        do {
            _ = try IoTPolicyDocument(parsing: text, name: "DevicePolicy", file: "policies/device.json")
            return nil
        } catch {
            return error
        }
    }

    private func expect(
        _ text: String, at position: (Int, Int), _ message: String, hint: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let error = failure(text) else {
            Issue.record("accepted: \(text)", sourceLocation: sourceLocation)
            return
        }
        #expect(error.line == position.0 && error.column == position.1, "\(error)", sourceLocation: sourceLocation)
        #expect(error.message == message, sourceLocation: sourceLocation)
        #expect(error.hint == hint, sourceLocation: sourceLocation)
    }

    /// Whether the text got past the JSON layer (to a policy validation error, or to a document).
    private func isValidJSON(_ text: String) -> Bool {
        guard let error = failure(text) else { return true }
        return !error.message.hasPrefix("invalid JSON: ")
    }

    @Test("a byte order mark is skipped and not counted in columns")
    func byteOrderMark() {
        expect("\u{FEFF}{\"Version\": yes}", at: (1, 13), "invalid JSON: unexpected \"y\", expected a value")
        expect("\u{FEFF}\u{FEFF}{}", at: (1, 1), "invalid JSON: unexpected \"\u{FEFF}\", expected a value")
    }

    @Test("any value 64 levels down is refused, at the value; 63 levels pass")
    func depth() {
        let prefix = "{\"Statement\":"
        let deepest = prefix + String(repeating: "[", count: 63) + "1" + String(repeating: "]", count: 63) + "}"
        expect(deepest, at: (1, 77), "invalid JSON: nesting deeper than 64 levels")
        let emptyInside = prefix + String(repeating: "[", count: 63) + String(repeating: "]", count: 63) + "}"
        #expect(isValidJSON(emptyInside))
        let oneLess = prefix + String(repeating: "[", count: 62) + "1" + String(repeating: "]", count: 62) + "}"
        #expect(isValidJSON(oneLess))
        let containers = prefix + String(repeating: "[", count: 64) + String(repeating: "]", count: 64) + "}"
        expect(containers, at: (1, 77), "invalid JSON: nesting deeper than 64 levels")
    }

    @Test("surrogates: pairs join, lone ones are refused after the escape")
    func surrogates() {
        #expect(isValidJSON(#"{"Id": "\ud83d\ude00"}"#))
        expect(#"{"Id": "\ud800"}"#, at: (1, 15), #"invalid JSON: invalid \u escape (a lone surrogate)"#)
        expect(#"{"Id": "\udc00"}"#, at: (1, 15), #"invalid JSON: invalid \u escape (a lone surrogate)"#)
        expect(#"{"Id": "\ud800\n"}"#, at: (1, 15), #"invalid JSON: invalid \u escape (a lone surrogate)"#)
        expect(#"{"Id": "\ud800\u0041"}"#, at: (1, 21), "invalid JSON: invalid UTF-16 surrogate pair")
        expect(#"{"Id": "\u12G4"}"#, at: (1, 13), #"invalid JSON: \u needs four hexadecimal digits"#)
        expect(#"{"Id": "\x"}"#, at: (1, 10), #"invalid JSON: invalid escape "\x""#)
    }

    @Test("control characters in strings, leading zeros, numbers out of Double's range")
    func strictness() {
        expect("{\"Id\": \"a\tb\"}", at: (1, 10), "invalid JSON: control character U+9 inside a string",
               hint: "write it as an escape such as \\n")
        #expect(isValidJSON("{\"Id\": \"a\u{7F}b\"}"))
        expect("{\"Id\": 01}", at: (1, 9), "invalid JSON: unexpected \"1\", expected \",\" or \"}\"",
               hint: "a \",\" may be missing before this")
        expect("{\"Id\": -}", at: (1, 9), "invalid JSON: a number needs a digit here")
        expect("{\"Id\": 1.}", at: (1, 10), "invalid JSON: a number needs a digit after \".\"")
        expect("{\"Id\": 1e}", at: (1, 10), "invalid JSON: a number needs a digit in its exponent")
        expect("{\"Id\": 1e400}", at: (1, 8), "\"Id\" must be a string, not a number")
    }

    @Test("a repeated key reaches the policy checks, which point at its second occurrence")
    func duplicateKeys() {
        expect(#"{"Id": 1, "Id": "x"}"#, at: (1, 11), "\"Id\" appears twice in the policy document",
               hint: "keep one; merge their values into an array")
    }

    @Test("positions: CR is whitespace on its line, LF starts a new one, a non-BMP character is one column")
    func positions() {
        expect("{\r\n\"Version\": yes}", at: (2, 12), "invalid JSON: unexpected \"y\", expected a value")
        expect("{\"Id\": \"😀\" x}", at: (1, 12), "invalid JSON: unexpected \"x\", expected \",\" or \"}\"",
               hint: "a \",\" may be missing before this")
        expect("{\"Id\": \"x\"", at: (1, 11), "invalid JSON: unexpected end of text, expected \",\" or \"}\"")
        expect("", at: (1, 1), "invalid JSON: unexpected end of text, expected a value")
        expect("\u{0C}{}", at: (1, 1), "invalid JSON: unexpected control character U+C, expected a value")
        expect("{\"Id\": [1,]}", at: (1, 11), "invalid JSON: a trailing comma before \"]\"", hint: "remove the last \",\"")
        expect("{\"Id\": 1,}", at: (1, 10), "invalid JSON: a trailing comma before \"}\"", hint: "remove the last \",\"")
        expect("{'Id': 1}", at: (1, 2), "invalid JSON: unexpected \"'\", expected a key in double quotes")
        expect("{\"Id\" 1}", at: (1, 7), "invalid JSON: unexpected \"1\", expected \":\" after key \"Id\"")
        expect("{\"Id\": tru}", at: (1, 11), "invalid JSON: unexpected \"}\", expected \"true\"")
    }
}
