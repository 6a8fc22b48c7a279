/// Text made safe inside HTML or XML: element content and quoted attribute values.
public enum MarkupText {
    /// `text` with `& < > "` and `'` escaped; `apostrophe` is `&#39;` (HTML, which has no `&apos;` before HTML5) or
    /// `&apos;` (XML, as S3's error bodies write it).
    public static func escaped(_ text: String, apostrophe: String = "&#39;") -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += apostrophe
            default: out.append(character)
            }
        }
        return out
    }
}
