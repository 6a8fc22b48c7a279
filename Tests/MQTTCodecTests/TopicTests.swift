import MQTTCodec
import Testing

@Suite("Topic names and filters")
struct TopicTests {
    @Test(
        "valid topic filters are accepted",
        arguments: [
            "sport/tennis/player1", "sport/#", "#", "+", "+/+", "/+", "sport/+/player1", "+/tennis/#", "$SYS/#", "/",
            "a//b",
        ]
    )
    func validFilters(_ filter: String) throws {
        #expect(try TopicFilter(filter).value == filter)
    }

    @Test(
        "invalid topic filters are refused",
        arguments: [
            "", "sport/tennis#", "sport/tennis/#/ranking", "#/a", "sport+", "sport/+player", "++", "a/#b", "a\u{0}b",
        ]
    )
    func invalidFilters(_ filter: String) {
        #expect(throws: MQTTCodecError(.invalidTopic, "")) { try TopicFilter(filter) }
    }

    @Test("valid topic names are accepted", arguments: ["sport/tennis", "/", "a//b", "$SYS/broker/load", " "])
    func validNames(_ name: String) throws {
        #expect(try TopicName(name).value == name)
    }

    @Test("invalid topic names are refused", arguments: ["", "sport/+", "sport/#", "#", "a\u{0}"])
    func invalidNames(_ name: String) {
        #expect(throws: MQTTCodecError(.invalidTopic, "")) { try TopicName(name) }
    }

    @Test("a topic over 65,535 bytes is refused")
    func tooLong() {
        let long = String(repeating: "a", count: 65_536)
        #expect(throws: MQTTCodecError(.invalidTopic, "")) { try TopicName(long) }
        #expect(throws: MQTTCodecError(.invalidTopic, "")) { try TopicFilter(long) }
        #expect((try? TopicName(String(repeating: "a", count: 65_535))) != nil)
    }

    static let matching: [(String, String, Bool)] = [
        ("sport/+/player1", "sport/tennis/player1", true),
        ("sport/+/player1", "sport/tennis/player2", false),
        ("sport/+/player1", "sport/player1", false),
        ("sport/#", "sport", true),
        ("sport/#", "sport/tennis/player1", true),
        ("sport/#", "sports", false),
        ("sport/tennis/#", "sport/tennis", true),
        ("sport/+", "sport", false),
        ("sport/+", "sport/", true),
        ("+", "sport", true),
        ("+", "/sport", false),
        ("+/+", "/sport", true),
        ("/+", "/sport", true),
        ("#", "sport/tennis", true),
        ("#", "/", true),
        ("+", "$SYS/x", false),
        ("+/x", "$SYS/x", false),
        ("#", "$SYS", false),
        ("#", "$SYS/broker", false),
        ("+/monitor/Clients", "$SYS/monitor/Clients", false),
        ("$SYS/#", "$SYS/broker", true),
        ("$SYS/monitor/+", "$SYS/monitor/Clients", true),
        ("a/b", "a/b", true),
        ("a/b", "A/b", false),
    ]

    @Test("filters match topics per the spec", arguments: matching)
    func matches(_ filter: String, _ topic: String, _ expected: Bool) throws {
        #expect(try TopicFilter(filter).matches(TopicName(topic)) == expected)
    }
}
