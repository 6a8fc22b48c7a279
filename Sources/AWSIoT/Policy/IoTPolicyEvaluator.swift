/// Evaluates AWS IoT policies for one lab region and account, the way AWS IoT Core authorizes a request.
///
/// A request is denied by default; any matching `Deny` statement denies it whatever allows it; otherwise any matching
/// `Allow` statement of any policy grants it (the policies attached to a certificate are a union). A statement
/// matches when one of its `Action` patterns matches the action (IAM wildcards, ignoring case) — or none of its
/// `NotAction` patterns does —, one of its `Resource` patterns matches the ARN after variable substitution — or none
/// of its `NotResource` patterns does —, and all its conditions hold. In ARNs `*` crosses `/`, `?` is one character,
/// and MQTT's `+` and `#` are literal. An ARN naming another region or account never matches.
public struct IoTPolicyEvaluator: Sendable {
    public var policies: [IoTPolicyDocument]
    /// The lab's region, e.g. `us-east-1`.
    public var region: String
    /// The lab's 12-digit account ID.
    public var account: String

    public init(policies: [IoTPolicyDocument], region: String, account: String) {
        self.policies = policies
        self.region = region
        self.account = account
    }

    /// `arn:aws:iot:REGION:ACCOUNT:` for the lab.
    public var arnPrefix: String { "arn:aws:iot:\(region):\(account):" }

    /// The ARN AWS evaluates for `action` on `target`: `client/<client ID>` for Connect, `topic/<topic>` for
    /// Publish, Receive, RetainPublish and GetRetainedMessage, `topicfilter/<filter>` for Subscribe,
    /// `thing/<thing>` or `thing/<thing>/<shadow>` for shadow and job actions (pass `"<thing>/<shadow>"` as the target
    /// for a named shadow), and `*` for ListRetainedMessages and ListNamedShadowsForThing (target ignored).
    public func resource(for action: IoTAction, _ target: String) -> String {
        action.resourceType == "*" ? "*" : arnPrefix + action.resourceType + "/" + target
    }

    /// Evaluates `action` on `target` (a client ID, topic, topic filter or thing name, see ``resource(for:_:)``).
    public func evaluate(_ action: IoTAction, target: String, context: IoTRequestContext) -> IoTPolicyDecision {
        let resource = resource(for: action, target)
        let resolver = PolicyVariableResolver(context: context)
        var outcomes: [PolicyStatementOutcome] = []
        for policy in policies {
            for (offset, statement) in policy.statements.enumerated() {
                guard Self.actionMatches(statement, action) else { continue }
                outcomes.append(PolicyStatementOutcome(
                    policy: policy, statement: statement, index: offset + 1, resource: resource, resolver: resolver))
            }
        }
        var unresolved: [String] = []
        for outcome in outcomes {
            for entry in outcome.unresolved where !unresolved.contains(entry.variable) { unresolved.append(entry.variable) }
        }
        let subject = "\(action.rawValue) on \(resource)"
        if let deny = outcomes.first(where: { $0.applies && $0.statement.effect == .deny }) {
            return IoTPolicyDecision(
                allowed: false, action: action, resource: resource, statement: deny.reference,
                explanation: "\(subject) is denied by \(deny.reference)", unresolvedVariables: unresolved)
        }
        if let allow = outcomes.first(where: { $0.applies && $0.statement.effect == .allow }) {
            return IoTPolicyDecision(
                allowed: true, action: action, resource: resource, statement: allow.reference,
                explanation: "\(subject) is allowed by \(allow.reference)", unresolvedVariables: unresolved)
        }
        let why = PolicyDenialExplainer(evaluator: self, action: action, resource: resource, outcomes: outcomes).reasons()
        return IoTPolicyDecision(
            allowed: false, action: action, resource: resource, statement: nil,
            explanation: "\(subject) is not allowed by any statement (default deny)" + why, unresolvedVariables: unresolved)
    }

    /// Whether `statement` covers `action` by its `Action` or `NotAction` patterns.
    static func actionMatches(_ statement: IoTPolicyStatement, _ action: IoTAction) -> Bool {
        if let actions = statement.actions {
            return actions.contains { PolicyWildcardPattern($0, caseInsensitive: true).matches(action.rawValue) }
        }
        if let notActions = statement.notActions {
            return !notActions.contains { PolicyWildcardPattern($0, caseInsensitive: true).matches(action.rawValue) }
        }
        return false
    }
}
