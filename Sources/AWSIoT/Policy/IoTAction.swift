/// An AWS IoT Core data-plane action a policy statement can allow or deny, spelled as in a policy's `Action` element.
///
/// Each action is checked against one resource ARN whose type ``resourceType`` names: `client/<client ID>` for
/// `iot:Connect`, `topic/<topic>` for the publish and receive side, `topicfilter/<filter>` for `iot:Subscribe`,
/// `thing/<thing>[/<shadow>]` for shadows and jobs, and `*` for the two listing actions.
public enum IoTAction: String, Sendable, Hashable, CaseIterable {
    case connect = "iot:Connect"
    case publish = "iot:Publish"
    case receive = "iot:Receive"
    case subscribe = "iot:Subscribe"
    case retainPublish = "iot:RetainPublish"
    case getRetainedMessage = "iot:GetRetainedMessage"
    case listRetainedMessages = "iot:ListRetainedMessages"
    case getThingShadow = "iot:GetThingShadow"
    case updateThingShadow = "iot:UpdateThingShadow"
    case deleteThingShadow = "iot:DeleteThingShadow"
    case listNamedShadowsForThing = "iot:ListNamedShadowsForThing"
    case describeJobExecution = "iot:DescribeJobExecution"
    case getPendingJobExecutions = "iot:GetPendingJobExecutions"
    case startNextPendingJobExecution = "iot:StartNextPendingJobExecution"
    case updateJobExecution = "iot:UpdateJobExecution"

    /// The resource type of the ARN this action is checked against: `client`, `topic`, `topicfilter`, `thing`, or `*`
    /// for the actions whose only resource is `*` (`iot:ListRetainedMessages`, `iot:ListNamedShadowsForThing`).
    public var resourceType: String {
        switch self {
        case .connect: "client"
        case .publish, .receive, .retainPublish, .getRetainedMessage: "topic"
        case .subscribe: "topicfilter"
        case .getThingShadow, .updateThingShadow, .deleteThingShadow, .describeJobExecution, .getPendingJobExecutions,
             .startNextPendingJobExecution, .updateJobExecution: "thing"
        case .listRetainedMessages, .listNamedShadowsForThing: "*"
        }
    }

    /// Actions AWS IoT policies may name that pkilab never checks (no lab request needs them). A policy naming them
    /// is valid, as on AWS; they match no ``IoTAction``.
    public static let acceptedUnevaluated: [String] = ["iot:DeleteConnection", "iot:AssumeRoleWithCertificate"]

    /// The action whose name equals `name` ignoring case (IAM compares action names case-insensitively), or nil.
    public init?(named name: String) {
        guard let action = Self.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else { return nil }
        self = action
    }
}
