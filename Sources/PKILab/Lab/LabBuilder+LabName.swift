/// The lab's name, and the form of it that goes into every device's URI name.
extension LabBuilder {
    /// The lab's name, checked: one line of at most ``LabText/maxLabName`` characters.
    func readLabName(_ node: LabNode) throws(LabFileError) -> String {
        let text = try node.string(what: "the lab's name")
        if let bad = LabText.firstControl(in: text) {
            throw node.error(.invalidValue, "the lab's name holds \(LabText.describe(bad))", hint: "write it as plain text on one line, e.g. lab: home-lab")
        }
        guard text.unicodeScalars.count <= LabText.maxLabName else {
            throw node.error(.invalidValue, "the lab's name is longer than \(LabText.maxLabName) characters", hint: "shorten it; it goes into every device's URI name")
        }
        return text
    }

    /// The lab's name as a URN segment: ASCII letters and digits (lower-cased) and "-" as they are, other
    /// letters and digits percent-encoded (RFC 8141), anything else "-", so the URI stays an IA5String.
    static func urnSafe(_ text: String) -> String {
        var result = ""
        for character in text.lowercased() {
            if character.isASCII, character.isLetter || character.isNumber || character == "-" {
                result.append(character)
            } else if character.isLetter || character.isNumber {
                result += character.utf8.map { "%" + String($0, radix: 16, uppercase: true) }.joined()
            } else {
                result.append("-")
            }
        }
        return result
    }
}
