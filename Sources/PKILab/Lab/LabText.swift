/// What text `lab.yaml` may put into a certificate: every value is checked here, when the file is read, so
/// that issuing never meets text it cannot encode, and nothing invisible reaches a certificate or a terminal.
///
/// Bounds (in characters): subject attributes as RFC 5280 Appendix A's upper bounds (CN, O, OU 64; L, ST 128;
/// emailAddress 255); a URI name 2048 and an e-mail name 320 (RFC 5321's 64 + 1 + 255); the lab's name 64.
/// URI, e-mail and DNS names are IA5String, so printable ASCII only.
public enum LabText {
    /// The RFC 5280 upper bound of each subject attribute `lab.yaml` accepts.
    public static let subjectBounds: [String: Int] = ["ST": 128, "L": 128, "O": 64, "OU": 64, "CN": 64, "emailAddress": 255]
    public static let maxURI = 2048
    public static let maxEmail = 320
    public static let maxLabName = 64

    /// The first character with no place in a name: a C0 or C1 control character, DEL, a Unicode line or
    /// paragraph separator, or a bidirectional control (they reorder what a reader sees).
    public static func firstControl(in text: String) -> Unicode.Scalar? {
        text.unicodeScalars.first { scalar in
            switch scalar.value {
            case 0x00...0x1F, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: true
            default: false
            }
        }
    }

    /// The first character outside printable ASCII (space to `~`), which is what an IA5String in a URI, e-mail
    /// or DNS name can hold (the name's own rules then refuse spaces).
    public static func firstNonIA5(in text: String) -> Unicode.Scalar? {
        text.unicodeScalars.first { !(0x20...0x7E).contains($0.value) }
    }

    /// `U+000A` with a name people know, for messages.
    public static func describe(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        let names: [UInt32: String] = [0x00: "NUL", 0x09: "a tab", 0x0A: "a line break", 0x0D: "a carriage return", 0x1B: "ESC", 0x7F: "DEL",
                                       0x2028: "a line separator", 0x2029: "a paragraph separator"]
        if let name = names[scalar.value] { return "\(name) (\(code))" }
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return "a control character (\(code))"
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return "a bidirectional control (\(code))"
        case 0x20: return "a space"
        default: return "\"\(Character(scalar))\" (\(code))"
        }
    }

    /// Why `text` cannot be a subject attribute `key`, and what to do instead; nil when it can.
    public static func subjectProblem(_ key: String, _ text: String) -> (message: String, hint: String)? {
        if let bad = firstControl(in: text) {
            return ("the \(key) field holds \(describe(bad)), which has no place in a name", "write it as plain text on one line")
        }
        if key == "emailAddress", let bad = firstNonIA5(in: text) {
            return ("the e-mail address holds \(describe(bad)); it must be ASCII (an IA5String)", "write it like ops@lab.test")
        }
        if let bound = subjectBounds[key], text.unicodeScalars.count > bound {
            return ("the \(key) field is longer than the \(bound) characters X.509 allows (RFC 5280)", "shorten it to \(bound) characters or fewer")
        }
        return nil
    }
}
