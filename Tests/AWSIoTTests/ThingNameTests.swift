import AWSIoT
import Testing

@Suite("Thing names as CreateThing accepts them")
struct ThingNameTests {
    @Test("letters, digits, colon, underscore and dash, 1 to 128 of them", arguments: ["device-001", "a", "Plant:Line_2-Sensor", String(repeating: "x", count: 128)])
    func accepted(_ name: String) {
        #expect(ThingName(name)?.value == name)
        #expect(ThingName.problem(with: name) == nil)
    }

    @Test("what AWS IoT refuses, each with its reason", arguments: [
        ("", "is empty"), (String(repeating: "x", count: 129), "is 129 characters"), ("devices/001", "holds \"/\""),
        ("dev+1", "holds \"+\""), ("dev#", "holds \"#\""), ("dev ice", "holds \" \""), ("gerät", "holds \"ä\""),
    ])
    func refused(_ name: String, _ reason: String) throws {
        #expect(ThingName(name) == nil)
        let problem = try #require(ThingName.problem(with: name))
        #expect(problem.hasPrefix(reason))
    }
}
