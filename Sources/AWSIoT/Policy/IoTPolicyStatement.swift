/// One element of a policy's `Statement`: an effect on the actions it names (or all but those it names) over the
/// resources it names (or all but those), under optional conditions.
public struct IoTPolicyStatement: Sendable, Hashable {
    /// `Sid`, if the statement has one.
    public var sid: String?
    public var effect: IoTPolicyEffect
    /// `Action` patterns (`iot:Publish`, `iot:*`, `iot:Get*`), or nil when the statement uses `NotAction`.
    public var actions: [String]?
    /// `NotAction` patterns: the statement covers every action none of them matches. Nil when it uses `Action`.
    public var notActions: [String]?
    /// `Resource` ARN patterns with `*`/`?` wildcards and `${…}` variables, or nil when it uses `NotResource`.
    public var resources: [String]?
    /// `NotResource` patterns: the statement covers every resource none of them matches. Nil when it uses `Resource`.
    public var notResources: [String]?
    /// The `Condition` block, one entry per operator and key, in document order.
    public var conditions: [IoTPolicyCondition]
    /// 1-based line where the statement's object starts in the policy file.
    public var line: Int

    public init(
        sid: String? = nil, effect: IoTPolicyEffect, actions: [String]? = nil, notActions: [String]? = nil,
        resources: [String]? = nil, notResources: [String]? = nil, conditions: [IoTPolicyCondition] = [], line: Int = 0
    ) {
        self.sid = sid
        self.effect = effect
        self.actions = actions
        self.notActions = notActions
        self.resources = resources
        self.notResources = notResources
        self.conditions = conditions
        self.line = line
    }
}
