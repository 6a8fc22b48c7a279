/// How one statement that covers the requested action fared against the resource and its conditions.
struct PolicyStatementOutcome {
    let policy: IoTPolicyDocument
    let statement: IoTPolicyStatement
    let reference: IoTStatementReference
    /// The `Resource` (or `NotResource`) patterns after substitution.
    let expandedResources: [PolicyExpandedPattern]
    let resourceMatches: Bool
    /// The first condition that does not hold, if any.
    let failedCondition: IoTPolicyCondition?
    /// Variables left unreplaced in the statement's resources and conditions.
    let unresolved: [PolicyExpandedPattern.Unresolved]

    /// Whether the statement applies to the request: resource matched and every condition held.
    var applies: Bool { resourceMatches && failedCondition == nil }

    init(policy: IoTPolicyDocument, statement: IoTPolicyStatement, index: Int, resource: String, resolver: PolicyVariableResolver) {
        self.policy = policy
        self.statement = statement
        reference = IoTStatementReference(
            policy: policy.name, file: policy.file, index: index, sid: statement.sid, effect: statement.effect, line: statement.line)
        let substitute = policy.substitutesVariables
        let negated = statement.resources == nil
        expandedResources = (statement.resources ?? statement.notResources ?? []).map {
            PolicyExpandedPattern($0, resolver: resolver, substitute: substitute)
        }
        let anyMatch = expandedResources.contains { $0.matcher.matches(resource) }
        resourceMatches = negated ? !anyMatch : anyMatch
        var unresolved = expandedResources.flatMap(\.unresolved)
        var failed: IoTPolicyCondition?
        let conditions = PolicyConditionEvaluator(resolver: resolver, substitute: substitute)
        for condition in statement.conditions {
            let result = conditions.evaluate(condition)
            unresolved += result.unresolved
            if !result.holds, failed == nil { failed = condition }
        }
        failedCondition = failed
        var unique: [PolicyExpandedPattern.Unresolved] = []
        for entry in unresolved where !unique.contains(entry) { unique.append(entry) }
        self.unresolved = unique
    }
}
