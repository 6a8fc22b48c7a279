/// The outcome of evaluating one action on one resource against a set of policies, with the reason in one sentence.
public struct IoTPolicyDecision: Sendable, Hashable, CustomStringConvertible {
    public var allowed: Bool
    public var action: IoTAction
    /// The full ARN evaluated (or `*` for the actions whose resource is `*`).
    public var resource: String
    /// The statement that decided: the first matching Deny, else the first matching Allow; nil for a default deny.
    public var statement: IoTStatementReference?
    /// One sentence, without a final period, that names the action, the resource and why, e.g. "iot:Publish on
    /// arn:aws:iot:us-east-1:123456789012:topic/a is denied by statement 2 (Sid "X", Deny) of policy P (p.json:14)".
    public var explanation: String
    /// The `${…}` variables left unreplaced in statements covering the action, each once, in policy order.
    public var unresolvedVariables: [String]

    public init(
        allowed: Bool, action: IoTAction, resource: String, statement: IoTStatementReference?, explanation: String,
        unresolvedVariables: [String]
    ) {
        self.allowed = allowed
        self.action = action
        self.resource = resource
        self.statement = statement
        self.explanation = explanation
        self.unresolvedVariables = unresolvedVariables
    }

    public var description: String { explanation }
}
