import Yams

/// A YAML node together with the key path that led to it, with typed accessors that fail with a
/// positioned ``LabFileError``.
struct LabNode {
    let node: Node
    let path: [KeyPathComponent]
    let reader: LabFileReader
    /// Where the key of this value was written, for problems with the entry as a whole (its name).
    var keyLocation: SourceLocation? = nil

    var location: SourceLocation { reader.location(of: node, path: path) }

    /// A problem with the entry itself, reported at its key.
    func keyError(_ code: LabFileError.Code, _ message: String, hint: String? = nil) -> LabFileError {
        LabFileError(code, at: keyLocation ?? location, message, hint: hint)
    }

    func error(_ code: LabFileError.Code, _ message: String, hint: String? = nil) -> LabFileError {
        LabFileError(code, at: location, message, hint: hint)
    }

    private var kindName: String {
        switch node {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .scalar(let scalar): scalar.tag.description.hasSuffix("null") || scalar.string.isEmpty ? "nothing" : "\"\(scalar.string)\""
        case .alias: "an alias"
        }
    }

    /// The entries of a mapping, with unknown keys refused (and the nearest known key suggested).
    func mapping(allowed: [String]? = nil, what: String, example: String? = nil) throws(LabFileError) -> [(key: String, value: LabNode)] {
        guard case .mapping(let mapping) = node else {
            throw error(.wrongType, "expected \(what) (a mapping of keys to values), found \(kindName)",
                        hint: example ?? allowed.map { "allowed keys: \($0.joined(separator: ", "))" })
        }
        var entries: [(key: String, value: LabNode)] = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                throw LabFileError(.wrongType, at: reader.location(of: keyNode, path: path), "a key must be plain text",
                                   hint: "write keys as plain words followed by a colon")
            }
            let key = scalar.string
            if let allowed, !allowed.contains(key) {
                let suggestion = Self.nearest(to: key, in: allowed)
                throw LabFileError(
                    .unknownKey, at: reader.location(of: keyNode, path: path + [.key(key)]),
                    "unknown key \"\(key)\"" + (suggestion.map { ". Did you mean \"\($0)\"?" } ?? ""),
                    hint: "allowed here: \(allowed.joined(separator: ", "))")
            }
            entries.append((key, LabNode(node: valueNode, path: path + [.key(key)], reader: reader,
                                         keyLocation: reader.location(of: keyNode, path: path + [.key(key)]))))
        }
        return entries
    }

    func list(what: String) throws(LabFileError) -> [LabNode] {
        guard case .sequence(let sequence) = node else {
            throw error(.wrongType, "expected \(what) (a list), found \(kindName)",
                        hint: "write a list like [a, b], or one item per line starting with \"- \"")
        }
        return sequence.enumerated().map { LabNode(node: $1, path: path + [.index($0)], reader: reader) }
    }

    /// A non-empty scalar as text.
    func string(what: String) throws(LabFileError) -> String {
        guard case .scalar(let scalar) = node else {
            throw error(.wrongType, "expected \(what), found \(kindName)", hint: "write a single value here, not a list or mapping")
        }
        guard !scalar.string.isEmpty, !(scalar.tag.description.hasSuffix("null") && scalar.style == .plain && ["~", "null", "Null", "NULL"].contains(scalar.string)) else {
            throw error(.wrongType, "expected \(what), found nothing", hint: "give it a value or remove the key")
        }
        return scalar.string
    }

    func int(what: String, range: ClosedRange<Int>) throws(LabFileError) -> Int {
        let text = try string(what: what)
        guard let value = Int(text), range.contains(value) else {
            throw error(.invalidValue, "\"\(text)\" is not \(what)", hint: "use a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// The closest allowed key by edit distance, when it is close enough to be a typo.
    static func nearest(to key: String, in allowed: [String]) -> String? {
        let lowered = key.lowercased()
        if let exact = allowed.first(where: { $0.lowercased() == lowered }) { return exact }
        if lowered.count >= 3, let prefixed = allowed.first(where: { $0.lowercased().hasPrefix(lowered) || lowered.hasPrefix($0.lowercased()) }) {
            return prefixed
        }
        let scored = allowed.map { ($0, editDistance(Array(lowered), Array($0.lowercased()))) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, key.count / 3) else { return nil }
        return best.0
    }

    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
