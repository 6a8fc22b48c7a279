/// A recursive-descent JSON reader (RFC 8259) that records where every value and key starts, for exact error
/// positions in policy documents. Columns count Unicode scalars from 1; lines are split at LF (a CR before it is
/// whitespace).
struct PolicyJSONReader {
    private let scalars: [Unicode.Scalar]
    private let file: String
    private var index = 0
    private var line = 1
    private var column = 1

    /// Reads `text` as one JSON document, or throws where it breaks.
    static func read(_ text: String, file: String) throws(IoTPolicyError) -> PolicyJSONValue {
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }  // a UTF-8 byte order mark, as editors on Windows write
        var reader = PolicyJSONReader(scalars: scalars, file: file)
        reader.skipWhitespace()
        let value = try reader.readValue(depth: 0)
        reader.skipWhitespace()
        if reader.index < reader.scalars.count {
            throw reader.error("unexpected \(reader.describeCurrent()) after the document's end")
        }
        return value
    }

    private init(scalars: [Unicode.Scalar], file: String) {
        self.scalars = scalars
        self.file = file
    }

    private var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    private mutating func advance() {
        if scalars[index] == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    private mutating func skipWhitespace() {
        while let scalar = current, scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" { advance() }
    }

    private func error(_ message: String, hint: String? = nil) -> IoTPolicyError {
        IoTPolicyError(file: file, line: line, column: column, message: "invalid JSON: " + message, hint: hint)
    }

    private func describeCurrent() -> String {
        guard let scalar = current else { return "end of text" }
        if scalar.value < 0x20 { return "control character U+\(String(scalar.value, radix: 16, uppercase: true))" }
        return "\"\(scalar)\""
    }

    private mutating func readValue(depth: Int) throws(IoTPolicyError) -> PolicyJSONValue {
        guard depth < 64 else { throw error("nesting deeper than 64 levels") }
        let (startLine, startColumn) = (line, column)
        guard let scalar = current else { throw error("unexpected end of text, expected a value") }
        let kind: PolicyJSONValue.Kind
        switch scalar {
        case "{": kind = .object(try readObject(depth: depth))
        case "[": kind = .array(try readArray(depth: depth))
        case "\"": kind = .string(try readString())
        case "-", "0"..."9": kind = .number(try readNumber())
        case "t": try readWord("true"); kind = .bool(true)
        case "f": try readWord("false"); kind = .bool(false)
        case "n": try readWord("null"); kind = .null
        case "'": throw error("strings are enclosed in double quotes, not \"'\"")
        default: throw error("unexpected \(describeCurrent()), expected a value")
        }
        return PolicyJSONValue(kind: kind, line: startLine, column: startColumn)
    }

    private mutating func readWord(_ word: String) throws(IoTPolicyError) {
        for expected in word.unicodeScalars {
            guard current == expected else {
                throw error("unexpected \(describeCurrent()), expected \"\(word)\"")
            }
            advance()
        }
    }

    private mutating func readObject(depth: Int) throws(IoTPolicyError) -> [PolicyJSONValue.Member] {
        advance()
        var members: [PolicyJSONValue.Member] = []
        skipWhitespace()
        if current == "}" { advance(); return members }
        while true {
            skipWhitespace()
            guard current == "\"" else {
                if current == "}" { throw error("a trailing comma before \"}\"", hint: "remove the last \",\"") }
                throw error("unexpected \(describeCurrent()), expected a key in double quotes")
            }
            let (keyLine, keyColumn) = (line, column)
            let key = try readString()
            skipWhitespace()
            guard current == ":" else { throw error("unexpected \(describeCurrent()), expected \":\" after key \"\(key)\"") }
            advance()
            skipWhitespace()
            let value = try readValue(depth: depth + 1)
            members.append(.init(key: key, line: keyLine, column: keyColumn, value: value))
            skipWhitespace()
            switch current {
            case ",": advance()
            case "}": advance(); return members
            case nil: throw error("unexpected end of text, expected \",\" or \"}\"")
            default: throw error("unexpected \(describeCurrent()), expected \",\" or \"}\"", hint: "a \",\" may be missing before this")
            }
        }
    }

    private mutating func readArray(depth: Int) throws(IoTPolicyError) -> [PolicyJSONValue] {
        advance()
        var elements: [PolicyJSONValue] = []
        skipWhitespace()
        if current == "]" { advance(); return elements }
        while true {
            skipWhitespace()
            if current == "]" { throw error("a trailing comma before \"]\"", hint: "remove the last \",\"") }
            elements.append(try readValue(depth: depth + 1))
            skipWhitespace()
            switch current {
            case ",": advance()
            case "]": advance(); return elements
            case nil: throw error("unexpected end of text, expected \",\" or \"]\"")
            default: throw error("unexpected \(describeCurrent()), expected \",\" or \"]\"", hint: "a \",\" may be missing before this")
            }
        }
    }

    private mutating func readString() throws(IoTPolicyError) -> String {
        advance()
        var result = String.UnicodeScalarView()
        while true {
            guard let scalar = current else { throw error("unterminated string") }
            switch scalar {
            case "\"":
                advance()
                return String(result)
            case "\\":
                advance()
                guard let escaped = current else { throw error("unterminated string") }
                switch escaped {
                case "\"", "\\", "/": result.append(escaped)
                case "b": result.append("\u{08}")
                case "f": result.append("\u{0C}")
                case "n": result.append("\n")
                case "r": result.append("\r")
                case "t": result.append("\t")
                case "u":
                    advance()
                    var code = try readHex4()
                    if (0xD800..<0xDC00).contains(code), current == "\\", index + 1 < scalars.count, scalars[index + 1] == "u" {
                        advance(); advance()
                        let low = try readHex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw error("invalid UTF-16 surrogate pair") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let decoded = Unicode.Scalar(code) else { throw error("invalid \\u escape (a lone surrogate)") }
                    result.append(decoded)
                    continue
                default: throw error("invalid escape \"\\\(escaped)\"")
                }
                advance()
            default:
                if scalar.value < 0x20 { throw error("\(describeCurrent()) inside a string", hint: "write it as an escape such as \\n") }
                result.append(scalar)
                advance()
            }
        }
    }

    private mutating func readHex4() throws(IoTPolicyError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let scalar = current, scalar.isASCII, let digit = UInt32(String(scalar), radix: 16) else {
                throw error("\\u needs four hexadecimal digits")
            }
            value = value * 16 + digit
            advance()
        }
        return value
    }

    private mutating func readNumber() throws(IoTPolicyError) -> String {
        var text = ""
        func take(_ reader: inout PolicyJSONReader) { text.unicodeScalars.append(reader.scalars[reader.index]); reader.advance() }
        if current == "-" { take(&self) }
        guard let first = current, ("0"..."9").contains(first) else { throw error("a number needs a digit here") }
        if first == "0" {
            take(&self)
        } else {
            while let digit = current, ("0"..."9").contains(digit) { take(&self) }
        }
        if current == "." {
            take(&self)
            guard let digit = current, ("0"..."9").contains(digit) else { throw error("a number needs a digit after \".\"") }
            while let digit = current, ("0"..."9").contains(digit) { take(&self) }
        }
        if current == "e" || current == "E" {
            take(&self)
            if current == "+" || current == "-" { take(&self) }
            guard let digit = current, ("0"..."9").contains(digit) else { throw error("a number needs a digit in its exponent") }
            while let digit = current, ("0"..."9").contains(digit) { take(&self) }
        }
        return text
    }
}
