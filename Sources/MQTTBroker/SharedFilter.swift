/// A shared subscription's filter, `$share/<ShareName>/<filter>` (MQTT 5.0 §4.8.2), split into the group's name and
/// the topic filter its messages match.
struct SharedFilter: Sendable, Hashable {
    /// The filter as the client sent it, prefix included: the key of the subscription and of its group.
    let text: String
    /// The ShareName.
    let name: String
    /// The topic filter after `$share/<ShareName>/`.
    let filter: String

    static let prefix = "$share/"

    /// Whether `filter` asks for a shared subscription (it starts with `$share/`).
    static func isShared(_ filter: String) -> Bool {
        filter.hasPrefix(prefix)
    }

    /// Splits a `$share/` filter; the error is the sentence that explains what is wrong, citing the rule it breaks.
    init(_ text: String) throws(SharedFilterError) {
        guard Self.isShared(text) else { throw SharedFilterError("\(text) does not start with \(Self.prefix)") }
        let rest = text.dropFirst(Self.prefix.count)
        guard let slash = rest.firstIndex(of: "/") else {
            throw SharedFilterError("[MQTT-4.8.2-2] the shared subscription \(text) has no \"/\" and topic filter after its ShareName")
        }
        let name = String(rest[..<slash])
        let filter = String(rest[rest.index(after: slash)...])
        if name.isEmpty {
            throw SharedFilterError("[MQTT-4.8.2-1] the shared subscription \(text) has an empty ShareName")
        }
        if name.contains("+") || name.contains("#") {
            throw SharedFilterError("[MQTT-4.8.2-2] the ShareName \"\(name)\" of \(text) contains a wildcard (+ or #), which a ShareName may not")
        }
        if filter.isEmpty {
            throw SharedFilterError("[MQTT-4.8.2-2] the shared subscription \(text) has no topic filter after its ShareName \"\(name)\"")
        }
        self.text = text
        self.name = name
        self.filter = filter
    }
}
