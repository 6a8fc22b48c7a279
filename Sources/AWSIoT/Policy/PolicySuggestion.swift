/// The nearest known spelling for a mistyped name, by edit distance ignoring case, for "did you mean …?" hints.
enum PolicySuggestion {
    /// The candidate closest to `word`, if it is within a third of the word's length (at least 2 edits), else nil.
    /// A candidate whose last `.`/`:` component equals the word's (`iot:ThingName` → `iot:Connection.Thing.ThingName`)
    /// is preferred.
    static func nearest(to word: String, in candidates: [String]) -> String? {
        let tail = lastComponent(word)
        if tail.count >= 4, let sameTail = candidates.first(where: { lastComponent($0) == tail && $0.lowercased() != word.lowercased() }) {
            return sameTail
        }
        let lowered = Array(word.lowercased())
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(lowered, Array(candidate.lowercased()))
            if distance < (best?.distance ?? .max) { best = (candidate, distance) }
        }
        guard let best, best.distance <= max(2, lowered.count / 3) else { return nil }
        return best.candidate
    }

    private static func lastComponent(_ text: String) -> String {
        String(text.lowercased().split(whereSeparator: { $0 == "." || $0 == ":" }).last ?? "")
    }

    /// Levenshtein distance between two character arrays.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var row = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            row[0] = i
            for j in 1...b.count {
                row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &row)
        }
        return previous[b.count]
    }
}
