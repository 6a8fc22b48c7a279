/// A subscription's topic filter, checked against the spec's wildcard rules, that can match topics.
///
/// `+` must fill a whole level and `#` must fill the last one ([MQTT-4.7.1-2], [MQTT-4.7.1-3]) —
/// `sport+` and `sport/#/x` are refused, not silently treated as literals.
public struct TopicFilter: Sendable, Hashable, CustomStringConvertible {
    /// The filter as sent.
    public let value: String

    /// Validates a topic filter.
    ///
    /// - Throws: ``MQTTCodecError/Code/invalidTopic`` for a misplaced wildcard, an empty filter, U+0000,
    ///   or more than 65,535 bytes.
    public init(_ value: String) throws(MQTTCodecError) {
        try TopicName.validateCommon(value, kind: "topic filter")
        let levels = value.split(separator: "/", omittingEmptySubsequences: false)
        for (index, level) in levels.enumerated() {
            if level.contains("#") && (level != "#" || index != levels.count - 1) {
                throw MQTTCodecError(
                    .invalidTopic,
                    "[MQTT-4.7.1-2] in the topic filter \"\(value)\", # must be a whole level and the last one"
                )
            }
            if level.contains("+") && level != "+" {
                throw MQTTCodecError(
                    .invalidTopic,
                    "[MQTT-4.7.1-3] in the topic filter \"\(value)\", + must be a whole level"
                )
            }
        }
        self.value = value
    }

    public var description: String {
        self.value
    }

    /// Whether a message published to `topic` is delivered to this filter.
    ///
    /// Levels are compared one by one; `+` matches exactly one level (which may be empty), `#` the
    /// parent level and any number below it (`sport/#` matches `sport`). A filter starting with a
    /// wildcard does not match topics starting with `$` ([MQTT-4.7.2-1]), so `#` never sees `$SYS`.
    public func matches(_ topic: TopicName) -> Bool {
        let topicLevels = topic.value.split(separator: "/", omittingEmptySubsequences: false)
        let filterLevels = self.value.split(separator: "/", omittingEmptySubsequences: false)
        if topic.value.hasPrefix("$"), let first = filterLevels.first, first == "+" || first == "#" {
            return false
        }
        for (index, filterLevel) in filterLevels.enumerated() {
            if filterLevel == "#" {
                return true
            }
            guard index < topicLevels.count else {
                return false
            }
            if filterLevel != "+" && filterLevel != topicLevels[index] {
                return false
            }
        }
        return filterLevels.count == topicLevels.count
    }
}
