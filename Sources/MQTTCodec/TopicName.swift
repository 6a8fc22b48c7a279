/// A topic a message is published to, checked against the spec's rules.
///
/// Separate from ``TopicFilter`` because the rules differ: a name may never hold a wildcard
/// ([MQTT-3.3.2-2]), and mixing the two up is how brokers end up delivering to `sport/+` literally.
public struct TopicName: Sendable, Hashable, CustomStringConvertible {
    /// The topic as sent.
    public let value: String

    /// Validates a topic name.
    ///
    /// - Throws: ``MQTTCodecError/Code/invalidTopic`` when it is empty ([MQTT-4.7.3-1]), holds `+` or
    ///   `#` ([MQTT-3.3.2-2]), U+0000 ([MQTT-4.7.3-2]), or is over 65,535 bytes ([MQTT-4.7.3-3]).
    public init(_ value: String) throws(MQTTCodecError) {
        try Self.validateCommon(value, kind: "topic name")
        if value.utf8.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "#") }) {
            throw MQTTCodecError(.invalidTopic, "[MQTT-3.3.2-2] the topic name \"\(value)\" contains a wildcard")
        }
        self.value = value
    }

    public var description: String {
        self.value
    }

    /// The rules topic names and filters share.
    static func validateCommon(_ value: String, kind: String) throws(MQTTCodecError) {
        if value.isEmpty {
            throw MQTTCodecError(.invalidTopic, "[MQTT-4.7.3-1] the \(kind) is empty")
        }
        if value.utf8.contains(0) {
            throw MQTTCodecError(.invalidTopic, "[MQTT-4.7.3-2] the \(kind) contains the null character U+0000")
        }
        if value.utf8.count > Int(UInt16.max) {
            throw MQTTCodecError(
                .invalidTopic,
                "[MQTT-4.7.3-3] the \(kind) is \(value.utf8.count) bytes; the limit is 65,535"
            )
        }
    }
}
