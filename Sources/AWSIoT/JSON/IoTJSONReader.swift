/// The module's one JSON reader: recursive descent over RFC 8259, recording where every value and key starts. Policy
/// documents use the positions for exact error messages; ``IoTJSONParser`` turns the result into ``IoTJSON`` for
/// Device Shadow and Jobs payloads. Columns count Unicode scalars from 1; lines are split at LF (a CR before it is
/// whitespace). What the two users accept differently is in ``Rules``.
struct IoTJSONReader {
    private let scalars: [Unicode.Scalar]
    private let rules: Rules
    private var index = 0
    private var line = 1
    private var column = 1

    /// Reads `text` as one JSON document under `rules`, or throws where it breaks.
    static func read(_ text: String, rules: Rules) throws(IoTJSONSyntaxError) -> IoTJSONNode {
        var scalars = Array(text.unicodeScalars)
        if rules.skipsByteOrderMark, scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var reader = IoTJSONReader(scalars: scalars, rules: rules)
        reader.skipWhitespace()
        let value = try reader.readValue(depth: 0)
        reader.skipWhitespace()
        if reader.index < reader.scalars.count {
            throw reader.error("unexpected \(reader.describeCurrent()) after the document's end")
        }
        return value
    }

    /// A reader at the start of `scalars`.
    private init(scalars: [Unicode.Scalar], rules: Rules) {
        self.scalars = scalars
        self.rules = rules
    }

    /// The scalar at the reading position, nil at the end.
    private var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    /// Steps past the current scalar, keeping line and column.
    private mutating func advance() {
        if scalars[index] == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    /// Skips RFC 8259 whitespace: space, tab, LF, CR.
    private mutating func skipWhitespace() {
        while let scalar = current, scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" { advance() }
    }

    /// A syntax error at the reading position.
    private func error(_ message: String, hint: String? = nil) -> IoTJSONSyntaxError {
        IoTJSONSyntaxError(line: line, column: column, message: message, hint: hint)
    }

    /// The current scalar as messages quote it, control characters by code point.
    private func describeCurrent() -> String {
        guard let scalar = current else { return "end of text" }
        if scalar.value < 0x20 { return "control character U+\(String(scalar.value, radix: 16, uppercase: true))" }
        return "\"\(scalar)\""
    }

    /// Reads the value that starts here, with `depth` containers around it.
    private mutating func readValue(depth: Int) throws(IoTJSONSyntaxError) -> IoTJSONNode {
        if case .values(let limit) = rules.nesting, depth >= limit { throw error("nesting deeper than \(limit) levels") }
        let (startLine, startColumn) = (line, column)
        guard let scalar = current else { throw error("unexpected end of text, expected a value") }
        let kind: IoTJSONNode.Kind
        switch scalar {
        case "{":
            try checkContainerDepth(depth)
            kind = .object(try readObject(depth: depth))
        case "[":
            try checkContainerDepth(depth)
            kind = .array(try readArray(depth: depth))
        case "\"": kind = .string(try readString())
        case "-", "0"..."9": kind = .number(try readNumber())
        case "t": try readWord("true"); kind = .bool(true)
        case "f": try readWord("false"); kind = .bool(false)
        case "n": try readWord("null"); kind = .null
        case "'": throw error("strings are enclosed in double quotes, not \"'\"")
        default: throw error("unexpected \(describeCurrent()), expected a value")
        }
        return IoTJSONNode(kind: kind, line: startLine, column: startColumn)
    }

    /// Refuses a container opening with `depth` containers already open, under ``Rules/Nesting/containers(_:)``.
    private func checkContainerDepth(_ depth: Int) throws(IoTJSONSyntaxError) {
        if case .containers(let limit) = rules.nesting, depth >= limit { throw error("nesting deeper than \(limit) levels") }
    }

    /// Reads the literal `word` (`true`, `false`, `null`).
    private mutating func readWord(_ word: String) throws(IoTJSONSyntaxError) {
        for expected in word.unicodeScalars {
            guard current == expected else {
                throw error("unexpected \(describeCurrent()), expected \"\(word)\"")
            }
            advance()
        }
    }

    /// Reads an object whose `{` is current; members keep their order and duplicates.
    private mutating func readObject(depth: Int) throws(IoTJSONSyntaxError) -> [IoTJSONNode.Member] {
        advance()
        var members: [IoTJSONNode.Member] = []
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

    /// Reads an array whose `[` is current.
    private mutating func readArray(depth: Int) throws(IoTJSONSyntaxError) -> [IoTJSONNode] {
        advance()
        var elements: [IoTJSONNode] = []
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

    /// Reads a string whose opening quote is current: escapes decoded, surrogate pairs joined, lone surrogates and raw
    /// control characters refused.
    private mutating func readString() throws(IoTJSONSyntaxError) -> String {
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

    /// Reads the four hexadecimal digits of a `\u` escape.
    private mutating func readHex4() throws(IoTJSONSyntaxError) -> UInt32 {
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

    /// Reads a number in RFC 8259's grammar (no leading zeros, `+`, bare `.` or exponent) and returns it as written.
    private mutating func readNumber() throws(IoTJSONSyntaxError) -> String {
        var text = ""
        func take(_ reader: inout IoTJSONReader) { text.unicodeScalars.append(reader.scalars[reader.index]); reader.advance() }
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
