import AWSIoT
import Testing

@Suite("Decisions explained in one sentence")
struct PolicyExplanationTests {
    typealias F = PolicyFixtures

    @Test("denied by an explicit Deny: the statement, its Sid, the policy and where it is")
    func explicitDeny() throws {
        let evaluator = try F.evaluator(F.device)
        let decision = evaluator.evaluate(.publish, target: "devices/device-002/firmware", context: F.attached("device-002"))
        #expect(!decision.allowed)
        #expect(decision.explanation == "iot:Publish on arn:aws:iot:us-east-1:123456789012:topic/devices/device-002/firmware is denied by statement 3 (Sid \"NoFirmware\", Deny) of policy DevicePolicy (policies/device.json:14)")
        #expect(decision.statement == IoTStatementReference(policy: "DevicePolicy", file: "policies/device.json", index: 3, sid: "NoFirmware", effect: .deny, line: 14))
        #expect(decision.description == decision.explanation)
    }

    @Test("allowed: which statement allowed it")
    func allowed() throws {
        let evaluator = try F.evaluator(F.device)
        let context = F.attached("device-001")
        #expect(evaluator.evaluate(.connect, target: "device-001", context: context).explanation == "iot:Connect on arn:aws:iot:us-east-1:123456789012:client/device-001 is allowed by statement 1 (Allow) of policy DevicePolicy (policies/device.json:4)")
        #expect(evaluator.evaluate(.publish, target: "devices/device-001/temp", context: context).explanation == "iot:Publish on arn:aws:iot:us-east-1:123456789012:topic/devices/device-001/temp is allowed by statement 2 (Sid \"Telemetry\", Allow) of policy DevicePolicy (policies/device.json:5)")
    }

    @Test("default deny: what the policy allows for that action, expanded")
    func defaultDeny() throws {
        let evaluator = try F.evaluator(F.device)
        let decision = evaluator.evaluate(.subscribe, target: "devices/#", context: F.attached("device-001"))
        #expect(decision.explanation == "iot:Subscribe on arn:aws:iot:us-east-1:123456789012:topicfilter/devices/# is not allowed by any statement (default deny); policy DevicePolicy allows iot:Subscribe only on topic/devices/device-001/*, topicfilter/devices/device-001/*")
        let topicOnly = try F.evaluator(#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["iot:Subscribe","iot:Receive"],"Resource":"arn:aws:iot:us-east-1:123456789012:topic/devices/*"}}"#)
        let wrongType = topicOnly.evaluate(.subscribe, target: "devices/device-001/cmd/#", context: F.attached("device-001"))
        #expect(wrongType.explanation.hasSuffix("only on topic/devices/*; topic/… never matches iot:Subscribe, which is checked against topicfilter/…"))
        #expect(topicOnly.evaluate(.receive, target: "devices/device-001/cmd/x", context: F.attached("device-001")).allowed)
        let none = evaluator.evaluate(.getThingShadow, target: "device-001", context: F.attached("device-001"))
        #expect(none.explanation == "iot:GetThingShadow on arn:aws:iot:us-east-1:123456789012:thing/device-001 is not allowed by any statement (default deny); no policy allows iot:GetThingShadow")
    }

    @Test("default deny with an unreplaced variable says why it stayed")
    func unresolved() throws {
        let evaluator = try F.evaluator(F.perThing)
        let decision = evaluator.evaluate(.connect, target: "device-001", context: F.unattached("device-001"))
        #expect(decision.explanation == "iot:Connect on arn:aws:iot:us-east-1:123456789012:client/device-001 is not allowed by any statement (default deny); policy DevicePolicy allows iot:Connect only on client/${iot:Connection.Thing.ThingName} (${iot:Connection.Thing.ThingName} stayed unreplaced: the client is not attached to a thing, as no thing is named \"device-001\")")
    }

    @Test("+ and # as MQTT wildcards in an ARN: the note says they are literal")
    func mqttWildcardNote() throws {
        let evaluator = try F.evaluator(F.mqttWildcards)
        let decision = evaluator.evaluate(.subscribe, target: "alerts/fire/kitchen", context: F.attached("d"))
        #expect(decision.explanation == "iot:Subscribe on arn:aws:iot:us-east-1:123456789012:topicfilter/alerts/fire/kitchen is not allowed by any statement (default deny); policy DevicePolicy allows iot:Subscribe only on topicfilter/sensors/+/temperature, topicfilter/alerts/#; topicfilter/alerts/# does not match because + and # are literal in policy ARNs; use *")
    }

    @Test("another region: the note names both regions")
    func region() throws {
        let evaluator = try F.evaluator(#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"arn:aws:iot:eu-west-1:123456789012:client/*"}}"#)
        let decision = evaluator.evaluate(.connect, target: "d", context: F.attached("d"))
        #expect(decision.explanation == "iot:Connect on arn:aws:iot:us-east-1:123456789012:client/d is not allowed by any statement (default deny); policy DevicePolicy allows iot:Connect only on arn:aws:iot:eu-west-1:123456789012:client/*; statement 1 of policy DevicePolicy names region eu-west-1; the lab evaluates us-east-1")
    }

    @Test("a long list of allowed resources is capped")
    func capped() throws {
        let resources = (1...6).map { "\"arn:aws:iot:us-east-1:123456789012:topic/t\($0)\"" }.joined(separator: ",")
        let evaluator = try F.evaluator(#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Publish","Resource":["# + resources + "]}}")
        let decision = evaluator.evaluate(.publish, target: "x", context: F.attached("d"))
        #expect(decision.explanation.hasSuffix("only on topic/t1, topic/t2, topic/t3, topic/t4 and 2 more"))
    }

    @Test("several policies are named together")
    func severalPolicies() throws {
        let a = try F.document(#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Publish","Resource":"arn:aws:iot:us-east-1:123456789012:topic/a"}}"#, name: "A", file: "a.json")
        let b = try F.document(#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:*","Resource":"arn:aws:iot:us-east-1:123456789012:topic/b"}}"#, name: "B", file: "b.json")
        let evaluator = IoTPolicyEvaluator(policies: [a, b], region: F.region, account: F.account)
        #expect(evaluator.evaluate(.publish, target: "c", context: F.attached("d")).explanation.hasSuffix("(default deny); policies A, B allow iot:Publish only on topic/a, topic/b"))
    }
}
