import AWSIoT
import Testing

@Suite("Every action against its own resource type, allowed and denied")
struct PolicyActionTests {
    typealias F = PolicyFixtures

    /// One Allow per action on the resource type's `<type>/allowed*` (or `*`), for the device's own thing.
    static let policy = #"""
    {"Version": "2012-10-17", "Statement": [
      {"Effect": "Allow", "Action": "iot:Connect", "Resource": "arn:aws:iot:us-east-1:123456789012:client/allowed*"},
      {"Effect": "Allow", "Action": ["iot:Publish", "iot:Receive", "iot:RetainPublish", "iot:GetRetainedMessage"],
       "Resource": "arn:aws:iot:us-east-1:123456789012:topic/allowed/*"},
      {"Effect": "Allow", "Action": "iot:Subscribe", "Resource": "arn:aws:iot:us-east-1:123456789012:topicfilter/allowed/*"},
      {"Effect": "Allow", "Action": ["iot:GetThingShadow", "iot:UpdateThingShadow", "iot:DeleteThingShadow",
                                      "iot:DescribeJobExecution", "iot:GetPendingJobExecutions",
                                      "iot:StartNextPendingJobExecution", "iot:UpdateJobExecution"],
       "Resource": "arn:aws:iot:us-east-1:123456789012:thing/${iot:Connection.Thing.ThingName}"},
      {"Effect": "Allow", "Action": "iot:ListRetainedMessages", "Resource": "*"}
    ]}
    """#

    static let targets: [IoTAction: (allowed: String, denied: String)] = [
        .connect: ("allowed-1", "other"),
        .publish: ("allowed/a", "other/a"), .receive: ("allowed/a", "other/a"),
        .retainPublish: ("allowed/a", "other/a"), .getRetainedMessage: ("allowed/a", "other/a"),
        .subscribe: ("allowed/#", "#"),
        .getThingShadow: ("device-001", "device-002"), .updateThingShadow: ("device-001", "device-002"),
        .deleteThingShadow: ("device-001", "device-001/named"),
        .describeJobExecution: ("device-001", "device-002"), .getPendingJobExecutions: ("device-001", "device-002"),
        .startNextPendingJobExecution: ("device-001", "device-002"), .updateJobExecution: ("device-001", "device-002"),
    ]

    @Test("allowed on its own resource, denied on another", arguments: IoTAction.allCases.filter { $0.resourceType != "*" })
    func eachAction(_ action: IoTAction) throws {
        let evaluator = try F.evaluator(Self.policy)
        let targets = try #require(Self.targets[action])
        let context = F.attached("device-001")
        let allowed = evaluator.evaluate(action, target: targets.allowed, context: context)
        #expect(allowed.allowed, "\(allowed.explanation)")
        #expect(allowed.resource == evaluator.resource(for: action, targets.allowed))
        #expect(allowed.resource.hasPrefix(F.arn + action.resourceType + "/"))
        let denied = evaluator.evaluate(action, target: targets.denied, context: context)
        #expect(!denied.allowed)
        #expect(denied.statement == nil)
        #expect(denied.explanation.contains("(default deny)"))
    }

    @Test("the actions whose resource is *")
    func starResources() throws {
        let evaluator = try F.evaluator(Self.policy)
        let context = F.attached("device-001")
        let list = evaluator.evaluate(.listRetainedMessages, target: "", context: context)
        #expect(list.allowed)
        #expect(list.resource == "*")
        #expect(!evaluator.evaluate(.listNamedShadowsForThing, target: "device-001", context: context).allowed)
        let arnOnly = try F.evaluator(#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:ListNamedShadowsForThing","Resource":"arn:aws:iot:us-east-1:123456789012:*"}}"#)
        #expect(!arnOnly.evaluate(.listNamedShadowsForThing, target: "device-001", context: context).allowed, "only Resource * covers *")
    }

    @Test("every action's resource type", arguments: IoTAction.allCases)
    func resourceTypes(_ action: IoTAction) {
        let expected: String = switch action {
        case .connect: "client"
        case .subscribe: "topicfilter"
        case .publish, .receive, .retainPublish, .getRetainedMessage: "topic"
        case .listRetainedMessages, .listNamedShadowsForThing: "*"
        default: "thing"
        }
        #expect(action.resourceType == expected)
    }
}
