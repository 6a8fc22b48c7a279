import Foundation

/// Replaces AWS's OTA placeholder `${aws:iot:s3-presigned-url:<URL>}` inside a job document's string values with a
/// pre-signed URL, as AWS IoT does when it hands the document to a device. The stored document keeps the placeholder.
enum JobDocumentPresigner {
    static let opening = "${aws:iot:s3-presigned-url:"

    /// `document` with every placeholder replaced by `presign(URL)`, and how many stayed because `presign` gave nil.
    static func presign(_ document: IoTJSON, _ presign: (String) -> String?) -> (IoTJSON, unreplaced: Int) {
        switch document {
        case .string(let text):
            return replace(in: text, presign).map { (.string($0.0), $0.1) } ?? (document, 0)
        case .array(let elements):
            var unreplaced = 0
            let mapped = elements.map { element in
                let (value, count) = Self.presign(element, presign)
                unreplaced += count
                return value
            }
            return (.array(mapped), unreplaced)
        case .object(let members):
            var unreplaced = 0
            let mapped = members.mapValues { member in
                let (value, count) = Self.presign(member, presign)
                unreplaced += count
                return value
            }
            return (.object(mapped), unreplaced)
        default:
            return (document, 0)
        }
    }

    /// `text` with its placeholders replaced, or nil when it holds none.
    private static func replace(in text: String, _ presign: (String) -> String?) -> (String, Int)? {
        guard text.contains(opening) else { return nil }
        var result = ""
        var unreplaced = 0
        var rest = text[...]
        while let start = rest.range(of: opening), let end = rest[start.upperBound...].firstIndex(of: "}") {
            result += rest[..<start.lowerBound]
            let url = String(rest[start.upperBound..<end])
            if let signed = presign(url) {
                result += signed
            } else {
                result += rest[start.lowerBound...end]
                unreplaced += 1
            }
            rest = rest[rest.index(after: end)...]
        }
        result += rest
        return (result, unreplaced)
    }
}
