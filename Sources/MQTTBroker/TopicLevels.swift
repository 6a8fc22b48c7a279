/// A topic or filter split into levels once, for matching many times.
struct TopicLevels: Sendable, Hashable {
    let text: String
    let levels: [Substring]

    init(_ text: String) {
        self.text = text
        self.levels = text.split(separator: "/", omittingEmptySubsequences: false)
    }

    /// Whether this filter matches the topic `topic` ([MQTT-4.7.2-1]: a filter starting with a wildcard does not
    /// match a topic starting with `$`).
    func matches(topic: TopicLevels) -> Bool {
        if topic.text.hasPrefix("$"), let first = levels.first, first == "+" || first == "#" { return false }
        for (index, level) in levels.enumerated() {
            if level == "#" { return true }
            guard index < topic.levels.count else { return false }
            if level != "+" && level != topic.levels[index] { return false }
        }
        return levels.count == topic.levels.count
    }

    /// Whether every topic the filter `other` matches is also matched by this filter.
    func covers(filter other: TopicLevels) -> Bool {
        if other.text.hasPrefix("$") != text.hasPrefix("$"), levels.first == "+" || levels.first == "#" { return false }
        for (index, level) in levels.enumerated() {
            if level == "#" { return true }
            guard index < other.levels.count else { return false }
            let theirs = other.levels[index]
            if theirs == "#" { return false }
            if level == "+" { continue }
            if theirs == "+" || theirs != level { return false }
        }
        return levels.count == other.levels.count
    }

    /// Whether some topic is matched by both filters.
    func overlaps(filter other: TopicLevels) -> Bool {
        var index = 0
        while index < levels.count && index < other.levels.count {
            let mine = levels[index], theirs = other.levels[index]
            if mine == "#" || theirs == "#" { return true }
            if mine != "+" && theirs != "+" && mine != theirs { return false }
            index += 1
        }
        if levels.count == other.levels.count { return true }
        // "a/#" also matches "a": a trailing # may match the parent level.
        let longer = levels.count > other.levels.count ? levels : other.levels
        return longer.count == index + 1 && longer[index] == "#"
    }
}
