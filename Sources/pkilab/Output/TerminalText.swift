/// Makes text from outside (certificate subjects, client ids, topics, paths, file names) safe to print on a
/// terminal: every character a terminal or a log reader would act on instead of showing is written out as a
/// visible escape, so a peer cannot forge a log line, move the cursor, recolour the screen, ring the bell or
/// reorder what the operator reads.
///
/// Escaped: C0 controls (`\n`, `\r`, `\t`, others as `\x1B`), and DEL, the C1 controls, the Unicode line and
/// paragraph separators and the bidirectional controls (U+007F, U+0080–U+009F, U+2028, U+2029, U+200E, U+200F,
/// U+061C, U+202A–U+202E, U+2066–U+2069) as `\u202E`. Everything else, including non-Latin letters, is left as
/// it is. The `\uXXXX` form is also a JSON escape for the same character, so a JSON line (whose C0 controls
/// the encoder already escaped) stays valid JSON that decodes to the same text.
enum TerminalText {
    /// `text` with every control character escaped; with `keepingNewlines`, a line feed stays a line feed
    /// (for whole messages whose own lines are meant to break; never for a single field).
    static func escaped(_ text: some StringProtocol, keepingNewlines: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { needsEscape($0, keepingNewlines: keepingNewlines) }) else { return String(text) }
        var result = ""
        result.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar, keepingNewlines: keepingNewlines) else {
                result.unicodeScalars.append(scalar)
                continue
            }
            result += escape(scalar)
        }
        return result
    }

    static func needsEscape(_ scalar: Unicode.Scalar, keepingNewlines: Bool) -> Bool {
        switch scalar.value {
        case 0x0A: !keepingNewlines
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    private static func escape(_ scalar: Unicode.Scalar) -> String {
        switch scalar.value {
        case 0x0A: return "\\n"
        case 0x0D: return "\\r"
        case 0x09: return "\\t"
        case 0x00...0x1F: return "\\x" + hex(scalar.value, digits: 2)
        default: return "\\u" + hex(scalar.value, digits: 4)
        }
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
