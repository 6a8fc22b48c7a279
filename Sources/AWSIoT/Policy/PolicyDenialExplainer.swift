/// Builds the part of a default-deny explanation after "(default deny)": what the policies do allow for the action,
/// and the likely reason the request missed — a failed condition, another region or account in an ARN, `+`/`#`
/// written as if they were MQTT wildcards, a variable left unreplaced, a `2008-10-17` policy that never substitutes.
struct PolicyDenialExplainer {
    let evaluator: IoTPolicyEvaluator
    let action: IoTAction
    let resource: String
    /// The outcomes of every statement covering the action (none applied, or it would not be a default deny).
    let outcomes: [PolicyStatementOutcome]

    /// How many allowed resources to list before "and N more".
    static let listLimit = 4

    /// `; policy P allows … only on …; note; note (${v} stayed unreplaced: reason)`, or `; no policy allows …`.
    func reasons() -> String {
        let allows = outcomes.filter { $0.statement.effect == .allow }
        guard !allows.isEmpty else {
            if evaluator.policies.isEmpty { return "; no policy is attached" }
            return "; no policy allows \(action.rawValue)"
        }
        var parts = [allowedSummary(allows)]
        parts += conditionNotes(allows)
        parts += arnNotes(allows)
        parts += mqttWildcardNotes(allows)
        parts += resourceTypeNotes(allows)
        parts += versionNotes(allows)
        var text = "; " + parts.joined(separator: "; ")
        var unresolved: [PolicyExpandedPattern.Unresolved] = []
        for outcome in allows { for entry in outcome.unresolved where !unresolved.contains(entry) { unresolved.append(entry) } }
        if !unresolved.isEmpty {
            text += " (" + unresolved.map { "\($0.variable) stayed unreplaced: \($0.reason)" }.joined(separator: "; ") + ")"
        }
        return text
    }

    private func allowedSummary(_ allows: [PolicyStatementOutcome]) -> String {
        var names: [String] = []
        var positive: [String] = []
        var negative: [String] = []
        for outcome in allows {
            if !names.contains(outcome.policy.name) { names.append(outcome.policy.name) }
            let shown = outcome.expandedResources.map { shorten($0.text) }
            if outcome.statement.resources != nil {
                for text in shown where !positive.contains(text) { positive.append(text) }
            } else {
                let joined = shown.joined(separator: ", ")
                if !negative.contains(joined) { negative.append(joined) }
            }
        }
        let who = names.count == 1 ? "policy \(names[0]) allows" : "policies \(names.joined(separator: ", ")) allow"
        var places: [String] = []
        if !positive.isEmpty {
            var listed = positive.prefix(Self.listLimit).joined(separator: ", ")
            if positive.count > Self.listLimit { listed += " and \(positive.count - Self.listLimit) more" }
            places.append(listed)
        }
        places += negative.map { "anything but \($0)" }
        return "\(who) \(action.rawValue) only on \(places.joined(separator: " or "))"
    }

    private func conditionNotes(_ allows: [PolicyStatementOutcome]) -> [String] {
        allows.compactMap { outcome in
            guard outcome.resourceMatches, let condition = outcome.failedCondition else { return nil }
            return "statement \(outcome.reference.index) of policy \(outcome.policy.name) covers it but its condition \(condition.summary) does not hold"
        }
    }

    /// Notes for ARNs naming another partition, service, region or account than the lab's.
    private func arnNotes(_ allows: [PolicyStatementOutcome]) -> [String] {
        var notes: [String] = []
        let expected = ["aws", "iot", evaluator.region, evaluator.account]
        let labels = ["partition", "service", "region", "account"]
        let lab = ["the lab is in partition aws", "the lab evaluates iot", "the lab evaluates \(evaluator.region)", "the lab's account is \(evaluator.account)"]
        for outcome in allows {
            for pattern in outcome.expandedResources where pattern.text.hasPrefix("arn:") {
                let parts = pattern.text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 6 else { continue }
                for field in 0..<4 where !PolicyWildcardPattern(parts[field + 1]).matches(expected[field]) {
                    let note = "statement \(outcome.reference.index) of policy \(outcome.policy.name) names \(labels[field]) \(parts[field + 1]); \(lab[field])"
                    if !notes.contains(note) { notes.append(note) }
                }
            }
        }
        return notes
    }

    /// A note when reading `+`/`#` in an allowed ARN as wildcards would have matched: they are literal.
    private func mqttWildcardNotes(_ allows: [PolicyStatementOutcome]) -> [String] {
        for outcome in allows where outcome.statement.resources != nil {
            for pattern in outcome.expandedResources where pattern.text.contains("+") || pattern.text.contains("#") {
                let tokens = pattern.matcher.tokens.map { token -> PolicyWildcardPattern.Token in
                    token == .character("+") || token == .character("#") ? .anyRun : token
                }
                if PolicyWildcardPattern(tokens: tokens).matches(resource) {
                    return ["\(shorten(pattern.text)) does not match because + and # are literal in policy ARNs; use *"]
                }
            }
        }
        return []
    }

    /// A note when an allowed ARN would match but names the wrong resource type for the action, typically `topic/`
    /// for iot:Subscribe (which is checked against `topicfilter/`) or `topicfilter/` for iot:Publish and iot:Receive.
    private func resourceTypeNotes(_ allows: [PolicyStatementOutcome]) -> [String] {
        let expectedType = action.resourceType
        guard expectedType != "*" else { return [] }
        let prefix = evaluator.arnPrefix
        for outcome in allows where outcome.statement.resources != nil {
            for pattern in outcome.expandedResources where pattern.text.hasPrefix(prefix) {
                let rest = pattern.text.dropFirst(prefix.count)
                guard let slash = rest.firstIndex(of: "/") else { continue }
                let type = String(rest[..<slash])
                guard type != expectedType, ["client", "topic", "topicfilter", "thing"].contains(type) else { continue }
                let swapped = Array(prefix + expectedType).map { PolicyWildcardPattern.Token.character($0) }
                    + pattern.matcher.tokens.dropFirst(prefix.count + type.count)
                if PolicyWildcardPattern(tokens: swapped).matches(resource) {
                    return ["\(type)/… never matches \(action.rawValue), which is checked against \(expectedType)/…"]
                }
            }
        }
        return []
    }

    private func versionNotes(_ allows: [PolicyStatementOutcome]) -> [String] {
        var notes: [String] = []
        for outcome in allows where !outcome.policy.substitutesVariables && outcome.expandedResources.contains(where: { $0.text.contains("${") }) {
            let note = "policy \(outcome.policy.name) has Version \(outcome.policy.version ?? "(none)"), under which ${…} is literal text; use 2012-10-17"
            if !notes.contains(note) { notes.append(note) }
        }
        return notes
    }

    /// The ARN without the lab's `arn:aws:iot:REGION:ACCOUNT:` prefix.
    private func shorten(_ text: String) -> String {
        text.hasPrefix(evaluator.arnPrefix) ? String(text.dropFirst(evaluator.arnPrefix.count)) : text
    }
}
