import AWSIoT
import Testing

@Suite("Policy evaluation as AWS IoT Core authorizes requests")
struct PolicyEvaluationTests {
    typealias F = PolicyFixtures

    @Test("per-thing policy: connect, publish, receive and subscribe only as and under your own thing")
    func perThing() throws {
        let evaluator = try F.evaluator(F.perThing)
        let device = F.attached("device-001")
        #expect(evaluator.evaluate(.connect, target: "device-001", context: device).allowed)
        #expect(!evaluator.evaluate(.connect, target: "device-002", context: device).allowed)
        #expect(evaluator.evaluate(.publish, target: "device-001/temp", context: device).allowed)
        #expect(evaluator.evaluate(.publish, target: "device-001/a/b/c", context: device).allowed, "* crosses /")
        #expect(!evaluator.evaluate(.publish, target: "device-002/temp", context: device).allowed)
        #expect(!evaluator.evaluate(.publish, target: "device-001", context: device).allowed, "topic/X/* needs the /")
        #expect(evaluator.evaluate(.receive, target: "device-001/cmd", context: device).allowed)
        #expect(evaluator.evaluate(.subscribe, target: "device-001/#", context: device).allowed)
        #expect(!evaluator.evaluate(.subscribe, target: "#", context: device).allowed)
        #expect(!evaluator.evaluate(.retainPublish, target: "device-001/temp", context: device).allowed, "not in the policy")
    }

    @Test("per-thing policy without an attached thing: the variable stays unreplaced and nothing is allowed")
    func perThingUnattached() throws {
        let evaluator = try F.evaluator(F.perThing)
        let decision = evaluator.evaluate(.connect, target: "device-001", context: F.unattached("device-001"))
        #expect(!decision.allowed)
        #expect(decision.statement == nil)
        #expect(decision.unresolvedVariables == ["${iot:Connection.Thing.ThingName}"])
        #expect(decision.explanation.contains("(${iot:Connection.Thing.ThingName} stayed unreplaced: the client is not attached to a thing"))
        var detached = F.attached("device-001")
        detached.thing?.isAttached = false
        #expect(!evaluator.evaluate(.connect, target: "device-001", context: detached).allowed)
    }

    @Test("connect only when attached: Bool iot:Connection.Thing.IsAttached")
    func attachedOnly() throws {
        let evaluator = try F.evaluator(F.attachedOnly)
        #expect(evaluator.evaluate(.connect, target: "device-001", context: F.attached("device-001")).allowed)
        var detached = F.attached("device-001")
        detached.thing?.isAttached = false
        let denied = evaluator.evaluate(.connect, target: "device-001", context: detached)
        #expect(!denied.allowed)
        #expect(denied.explanation.contains("its condition Bool iot:Connection.Thing.IsAttached true does not hold"))
        #expect(!evaluator.evaluate(.connect, target: "device-001", context: F.unattached("device-001")).allowed, "absent key: Bool fails")
    }

    @Test("shadow get topics for the connected thing only")
    func shadowGet() throws {
        let evaluator = try F.evaluator(F.shadowGet)
        let device = F.attached("device-001")
        #expect(evaluator.evaluate(.connect, target: "device-001", context: device).allowed)
        #expect(evaluator.evaluate(.publish, target: "$aws/things/device-001/shadow/get", context: device).allowed)
        #expect(!evaluator.evaluate(.publish, target: "$aws/things/device-002/shadow/get", context: device).allowed)
        #expect(!evaluator.evaluate(.publish, target: "$aws/things/device-001/shadow/update", context: device).allowed)
        #expect(evaluator.evaluate(.subscribe, target: "$aws/things/device-001/shadow/get/accepted", context: device).allowed)
        #expect(evaluator.evaluate(.subscribe, target: "$aws/things/device-001/shadow/get/rejected", context: device).allowed)
        #expect(!evaluator.evaluate(.subscribe, target: "$aws/things/device-001/shadow/#", context: device).allowed)
        #expect(evaluator.evaluate(.receive, target: "$aws/things/device-001/shadow/get/accepted", context: device).allowed)
        #expect(!evaluator.evaluate(.receive, target: "$aws/things/device-001/shadow/update/delta", context: device).allowed)
        #expect(evaluator.evaluate(.getThingShadow, target: "device-001", context: device).allowed)
        #expect(!evaluator.evaluate(.getThingShadow, target: "device-001/config", context: device).allowed, "named shadow is thing/T/S")
        #expect(evaluator.evaluate(.updateThingShadow, target: "device-001", context: device).allowed)
        #expect(!evaluator.evaluate(.deleteThingShadow, target: "device-001", context: device).allowed)
    }

    @Test("retained Will: Connect only with LastWill among the connect attributes")
    func retainedWill() throws {
        let evaluator = try F.evaluator(F.retainedWill)
        var context = F.attached("device-001")
        #expect(!evaluator.evaluate(.connect, target: "device-001", context: context).allowed, "no attributes: ForAnyValue fails")
        context.connectAttributes = ["PersistentConnect"]
        #expect(!evaluator.evaluate(.connect, target: "device-001", context: context).allowed)
        context.connectAttributes = ["PersistentConnect", "LastWill"]
        #expect(evaluator.evaluate(.connect, target: "device-001", context: context).allowed)
        #expect(evaluator.evaluate(.publish, target: "will", context: context).allowed)
        #expect(evaluator.evaluate(.retainPublish, target: "will", context: context).allowed)
        #expect(!evaluator.evaluate(.retainPublish, target: "other", context: context).allowed)
    }

    @Test("certificate variables: client ID must be the subject's CommonName")
    func certificateVariables() throws {
        let evaluator = try F.evaluator(F.certificateVariables)
        let context = F.unattached("device-001")
        #expect(evaluator.evaluate(.connect, target: "device-001", context: context).allowed)
        #expect(!evaluator.evaluate(.connect, target: "device-002", context: context).allowed)
        #expect(evaluator.evaluate(.publish, target: "pkilab/device-001/temp", context: context).allowed)
        #expect(!evaluator.evaluate(.publish, target: "other/device-001/temp", context: context).allowed)
        let noCertificate = IoTRequestContext(clientID: "device-001")
        let decision = evaluator.evaluate(.connect, target: "device-001", context: noCertificate)
        #expect(!decision.allowed)
        #expect(decision.unresolvedVariables == ["${iot:Certificate.Subject.CommonName}"])
        #expect(decision.explanation.contains("the connection has no client certificate"))
    }

    @Test("Allow topicfilter/a/* and Deny topicfilter/a/restricted/*: a/# is still allowed (AWS's documented surprise); Receive blocks delivery")
    func restrictedSubtree() throws {
        let evaluator = try F.evaluator(F.restrictedSubtree)
        let context = F.attached("device-001")
        #expect(evaluator.evaluate(.subscribe, target: "a/#", context: context).allowed)
        #expect(evaluator.evaluate(.subscribe, target: "a/open/x", context: context).allowed)
        let denied = evaluator.evaluate(.subscribe, target: "a/restricted/x", context: context)
        #expect(!denied.allowed)
        #expect(denied.statement?.sid == "NoRestricted")
        #expect(denied.statement?.index == 2)
        #expect(!evaluator.evaluate(.receive, target: "a/restricted/x", context: context).allowed)
        #expect(evaluator.evaluate(.receive, target: "a/open/x", context: context).allowed)
    }

    @Test("+ and # are literal in ARNs: topicfilter/sensors/+/temperature allows exactly that filter")
    func mqttWildcardsAreLiteral() throws {
        let evaluator = try F.evaluator(F.mqttWildcards)
        let context = F.attached("device-001")
        #expect(evaluator.evaluate(.subscribe, target: "sensors/+/temperature", context: context).allowed)
        #expect(evaluator.evaluate(.subscribe, target: "alerts/#", context: context).allowed)
        let denied = evaluator.evaluate(.subscribe, target: "sensors/kitchen/temperature", context: context)
        #expect(!denied.allowed)
        #expect(denied.explanation.contains("topicfilter/sensors/+/temperature does not match because + and # are literal in policy ARNs; use *"))
        #expect(!evaluator.evaluate(.subscribe, target: "alerts/fire", context: context).allowed)
    }

    @Test("NotResource: everything but the listed resources")
    func notResource() throws {
        let evaluator = try F.evaluator(#"""
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iot:Publish",
          "NotResource": ["arn:aws:iot:us-east-1:123456789012:topic/admin/*", "arn:aws:iot:us-east-1:123456789012:topic/$aws/*"]}]}
        """#)
        let context = F.attached("device-001")
        #expect(evaluator.evaluate(.publish, target: "devices/x", context: context).allowed)
        #expect(!evaluator.evaluate(.publish, target: "admin/reset", context: context).allowed)
        let denied = evaluator.evaluate(.publish, target: "$aws/things/x/shadow/update", context: context)
        #expect(!denied.allowed)
        #expect(denied.explanation.contains("only on anything but topic/admin/*, topic/$aws/*"))
        #expect(!evaluator.evaluate(.subscribe, target: "devices/x", context: context).allowed)
    }

    @Test("NotAction: every action but the listed ones")
    func notAction() throws {
        let evaluator = try F.evaluator(#"""
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": ["iot:Publish", "iot:*Shadow*"], "Resource": "*"}]}
        """#)
        let context = F.attached("device-001")
        #expect(evaluator.evaluate(.connect, target: "device-001", context: context).allowed)
        #expect(evaluator.evaluate(.subscribe, target: "#", context: context).allowed)
        #expect(!evaluator.evaluate(.publish, target: "x", context: context).allowed)
        #expect(!evaluator.evaluate(.getThingShadow, target: "device-001", context: context).allowed)
        #expect(!evaluator.evaluate(.listNamedShadowsForThing, target: "", context: context).allowed)
        #expect(evaluator.evaluate(.retainPublish, target: "x", context: context).allowed)
    }

    @Test("iot:* with Resource * allows every action; a Deny still wins")
    func everything() throws {
        let evaluator = try F.evaluator(#"""
        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "iot:*", "Resource": "*"},
          {"Effect": "Deny", "Action": "IOT:get*", "Resource": "arn:aws:iot:us-east-1:123456789012:thing/locked"}]}
        """#)
        let context = F.attached("device-001")
        for action in IoTAction.allCases {
            #expect(evaluator.evaluate(action, target: "device-001", context: context).allowed, "\(action)")
        }
        #expect(!evaluator.evaluate(.getThingShadow, target: "locked", context: context).allowed, "action names ignore case")
        #expect(!evaluator.evaluate(.getPendingJobExecutions, target: "locked", context: context).allowed)
        #expect(evaluator.evaluate(.updateThingShadow, target: "locked", context: context).allowed)
    }

    @Test("an ARN in another region or account does not match, and the explanation says so")
    func wrongRegion() throws {
        let evaluator = try F.evaluator(#"""
        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "iot:Connect", "Resource": "arn:aws:iot:eu-west-1:123456789012:client/*"},
          {"Effect": "Allow", "Action": "iot:Publish", "Resource": "arn:aws:iot:us-east-1:999999999999:topic/*"},
          {"Effect": "Allow", "Action": "iot:Receive", "Resource": "arn:aws:iot:*:*:topic/*"}]}
        """#)
        let context = F.attached("device-001")
        let connect = evaluator.evaluate(.connect, target: "device-001", context: context)
        #expect(!connect.allowed)
        #expect(connect.explanation.contains("statement 1 of policy DevicePolicy names region eu-west-1; the lab evaluates us-east-1"))
        let publish = evaluator.evaluate(.publish, target: "t", context: context)
        #expect(!publish.allowed)
        #expect(publish.explanation.contains("names account 999999999999; the lab's account is 123456789012"))
        #expect(evaluator.evaluate(.receive, target: "t", context: context).allowed, "wildcard region and account")
    }

    @Test("several policies are a union; a Deny in any of them wins")
    func union() throws {
        let allowPublish = try F.document(#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Publish","Resource":"*"}}"#, name: "A", file: "a.json")
        let allowConnect = try F.document(#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}}"#, name: "B", file: "b.json")
        let denyPublish = try F.document(#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"iot:Publish","Resource":"arn:aws:iot:us-east-1:123456789012:topic/x"}}"#, name: "C", file: "c.json")
        let context = F.attached("d")
        let two = IoTPolicyEvaluator(policies: [allowPublish, allowConnect], region: F.region, account: F.account)
        #expect(two.evaluate(.publish, target: "x", context: context).allowed)
        #expect(two.evaluate(.connect, target: "d", context: context).allowed)
        let three = IoTPolicyEvaluator(policies: [allowPublish, allowConnect, denyPublish], region: F.region, account: F.account)
        let denied = three.evaluate(.publish, target: "x", context: context)
        #expect(!denied.allowed)
        #expect(denied.statement?.policy == "C")
        #expect(three.evaluate(.publish, target: "y", context: context).allowed)
        let none = IoTPolicyEvaluator(policies: [], region: F.region, account: F.account)
        #expect(none.evaluate(.connect, target: "d", context: context).explanation.hasSuffix("(default deny); no policy is attached"))
    }

    @Test("thing attributes and thing type in conditions")
    func thingAttributes() throws {
        let evaluator = try F.evaluator(#"""
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iot:Connect", "Resource": "*",
          "Condition": {"StringEquals": {"iot:Connection.Thing.Attributes[location]": "berlin",
                                         "iot:Connection.Thing.ThingTypeName": ["sensor", "gateway"]}}}]}
        """#)
        #expect(evaluator.evaluate(.connect, target: "d", context: F.attached("d", type: "sensor", attributes: ["location": "berlin"])).allowed)
        #expect(evaluator.evaluate(.connect, target: "d", context: F.attached("d", type: "gateway", attributes: ["location": "berlin"])).allowed)
        #expect(!evaluator.evaluate(.connect, target: "d", context: F.attached("d", type: "sensor", attributes: ["location": "paris"])).allowed)
        #expect(!evaluator.evaluate(.connect, target: "d", context: F.attached("d", type: "camera", attributes: ["location": "berlin"])).allowed)
        #expect(!evaluator.evaluate(.connect, target: "d", context: F.attached("d", type: "sensor")).allowed, "missing attribute")
        #expect(!evaluator.evaluate(.connect, target: "d", context: F.attached("d", attributes: ["location": "berlin"])).allowed, "no type")
    }

    @Test("thing attribute variable in a resource")
    func thingAttributeVariable() throws {
        let evaluator = try F.evaluator(#"""
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iot:Publish",
          "Resource": "arn:aws:iot:us-east-1:123456789012:topic/${iot:Connection.Thing.Attributes[site]}/${iot:Connection.Thing.ThingTypeName}/*"}]}
        """#)
        let context = F.attached("d", type: "sensor", attributes: ["site": "plant-7"])
        #expect(evaluator.evaluate(.publish, target: "plant-7/sensor/d", context: context).allowed)
        #expect(!evaluator.evaluate(.publish, target: "plant-8/sensor/d", context: context).allowed)
        let missing = evaluator.evaluate(.publish, target: "plant-7/sensor/d", context: F.attached("d", type: "sensor"))
        #expect(!missing.allowed)
        #expect(missing.unresolvedVariables == ["${iot:Connection.Thing.Attributes[site]}"])
        #expect(missing.explanation.contains("thing d has no attribute \"site\""))
    }

    @Test("Version 2008-10-17 reads ${…} literally")
    func oldVersion() throws {
        let evaluator = try F.evaluator(#"""
        {"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "iot:Connect",
          "Resource": "arn:aws:iot:us-east-1:123456789012:client/${iot:ClientId}"}]}
        """#)
        let decision = evaluator.evaluate(.connect, target: "d", context: F.attached("d"))
        #expect(!decision.allowed)
        #expect(decision.explanation.contains("policy DevicePolicy has Version 2008-10-17, under which ${…} is literal text"))
        #expect(evaluator.evaluate(.connect, target: "${iot:ClientId}", context: F.attached("d")).allowed)
    }

    @Test("resource ARNs per action type")
    func resources() throws {
        let evaluator = IoTPolicyEvaluator(policies: [], region: "eu-central-1", account: "111122223333")
        #expect(evaluator.resource(for: .connect, "c1") == "arn:aws:iot:eu-central-1:111122223333:client/c1")
        #expect(evaluator.resource(for: .publish, "a/b") == "arn:aws:iot:eu-central-1:111122223333:topic/a/b")
        #expect(evaluator.resource(for: .subscribe, "a/+/#") == "arn:aws:iot:eu-central-1:111122223333:topicfilter/a/+/#")
        #expect(evaluator.resource(for: .getThingShadow, "t/s") == "arn:aws:iot:eu-central-1:111122223333:thing/t/s")
        #expect(evaluator.resource(for: .listRetainedMessages, "ignored") == "*")
        #expect(IoTAction(named: "IOT:PUBLISH") == .publish)
        #expect(IoTAction.allCases.count == 15)
    }
}
