import AWSIoT
import Testing

@Suite("Warnings for what AWS accepts but rarely means")
struct PolicyWarningTests {
    func warnings(_ text: String) throws -> [IoTPolicyError] {
        try IoTPolicyDocument(parsing: text, name: "P", file: "p.json").warnings
    }

    @Test("the documented examples have no warnings")
    func cleanFixtures() throws {
        for text in [PolicyFixtures.perThing, PolicyFixtures.attachedOnly, PolicyFixtures.shadowGet, PolicyFixtures.retainedWill,
                     PolicyFixtures.certificateVariables, PolicyFixtures.restrictedSubtree, PolicyFixtures.device] {
            #expect(try warnings(text).isEmpty)
        }
    }

    @Test("+ and # in ARNs, at the resource string")
    func mqttWildcards() throws {
        let found = try warnings(PolicyFixtures.mqttWildcards)
        #expect(found.count == 2)
        #expect(found.first?.line == 5)
        #expect(found.first?.column == 18)
        #expect(found.first?.message == "\"topicfilter/sensors/+/temperature\" in statement 1 holds + or #, which are literal in policy ARNs: it allows only a topicfilter spelled exactly so")
    }

    @Test("topic/ for Subscribe, topicfilter/ for Publish")
    func wrongResourceType() throws {
        let found = try warnings(#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Subscribe","Resource":"arn:aws:iot:us-east-1:123456789012:topic/a/*"},{"Effect":"Allow","Action":["iot:Publish","iot:Receive"],"Resource":"arn:aws:iot:us-east-1:123456789012:topicfilter/a/*"}]}"#)
        #expect(found.map(\.message) == [
            "statement 1 allows iot:Subscribe on a topic/ ARN, which never matches: Subscribe is checked against topicfilter/",
            "statement 2 names a topicfilter/ ARN for iot:Publish, iot:Receive, which are checked against topic/",
        ])
        #expect(found.map(\.hint) == ["write topicfilter/a/*", "write topic/a/*"])
    }

    @Test("unknown variables and condition keys, with the nearest known one")
    func unknownNames() throws {
        let found = try warnings(#"""
        {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iot:Connect",
          "Resource": "arn:aws:iot:us-east-1:123456789012:client/${iot:ThingName}",
          "Condition": {"StringEquals": {"iot:Certificate.Subject.CommonNme": "x", "iot:Certificate.Subject.CommonName.List": "x",
                                         "iot:Connection.Thing.Attributes[any]": "y"}}}}
        """#)
        #expect(found.count == 2)
        #expect(found[0].message == "${iot:ThingName} in statement 1 is not an AWS IoT policy variable; it will stay unreplaced")
        #expect(found[0].hint == "did you mean ${iot:Connection.Thing.ThingName}?")
        #expect((found[1].line, found[1].column) == (3, 34))
        #expect(found[1].hint == "did you mean \"iot:Certificate.Subject.CommonName\"?")
    }

    @Test("variables in a policy without Version 2012-10-17")
    func oldVersion() throws {
        let found = try warnings(#"{"Statement": {"Effect": "Allow", "Action": "iot:Connect", "Resource": "arn:aws:iot:us-east-1:123456789012:client/${iot:ClientId}"}}"#)
        #expect(found.map(\.message) == ["statement 1 uses ${iot:ClientId} but the policy's Version is missing, under which it is literal text"])
    }
}
