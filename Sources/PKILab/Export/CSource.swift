/// C text for certificates and keys: PEM as NUL-terminated string literals with real line breaks, DER as
/// `const uint8_t` arrays with their lengths.
enum CSource {
    /// `static const char name[] PROGMEM = "-----BEGIN …\n" "…\n";` — one literal per PEM line.
    static func pemString(_ name: String, _ pem: String, progmem: Bool = false) -> String {
        let lines = pem.split(separator: "\n", omittingEmptySubsequences: true)
        let body = lines.map { "    \"\($0)\\n\"" }.joined(separator: "\n")
        return "static const char \(name)[] LAB_UNUSED\(progmem ? " PROGMEM" : "") =\n\(body);\n"
    }

    /// `static const uint8_t name[] = { 0x30, … }; static const size_t name_len = N;` (no length line for
    /// `withLength: false`, as BearSSL's `sizeof` style wants).
    static func byteArray(_ name: String, _ bytes: [UInt8], type: String = "uint8_t", withLength: Bool = true, progmem: Bool = false) -> String {
        var rows: [String] = []
        var index = 0
        while index < bytes.count {
            let row = bytes[index..<min(index + 12, bytes.count)].map { "0x" + CollectionOfOne($0).lowercaseHex }.joined(separator: ", ")
            rows.append("    " + row + ",")
            index += 12
        }
        return "static const \(type) \(name)[] LAB_UNUSED\(progmem ? " PROGMEM" : "") = {\n\(rows.joined(separator: "\n"))\n};\n"
            + (withLength ? "static const size_t \(name)_len LAB_UNUSED = \(bytes.count);\n" : "")
    }

    /// Defines LAB_UNUSED, so a firmware that uses only some of the arrays builds with -Wall -Werror.
    static let unusedMacro = "#ifndef LAB_UNUSED\n#if defined(__GNUC__) || defined(__clang__)\n#define LAB_UNUSED __attribute__((unused))\n#else\n#define LAB_UNUSED\n#endif\n#endif\n\n"


    /// A file-name slug from a common name: lower-case letters and digits, other runs as one `-`
    /// (`OTA Store Root` → `ota-store-root`); empty when nothing is left.
    static func slug(_ name: String) -> String {
        var result = ""
        for character in name.lowercased() {
            if character.isASCII && (character.isLetter || character.isNumber) {
                result.append(character)
            } else if !result.isEmpty && !result.hasSuffix("-") {
                result.append("-")
            }
        }
        while result.hasSuffix("-") { result.removeLast() }
        return result
    }

    /// `text` inside a C string literal: backslashes and quotes escaped, control characters as `\x` escapes.
    static func escaped(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: result += "\\x" + String(scalar.value, radix: 16, uppercase: false) + "\"\""
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// A C identifier from a name such as `device-001`.
    static func identifier(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }
}
