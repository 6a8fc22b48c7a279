/// Decides whether one condition of a statement holds for a request, with IAM's rules: a key's values are OR-ed,
/// `ForAllValues:` needs every request value to match (and holds for an absent key), `ForAnyValue:` needs one,
/// `…IfExists` holds for an absent key, and a negated operator (`StringNotEquals`, …) holds for an absent key.
/// An unknown key is absent.
struct PolicyConditionEvaluator {
    let resolver: PolicyVariableResolver
    /// Whether `${…}` in condition values is substituted (Version `2012-10-17`).
    let substitute: Bool

    /// Whether `condition` holds, and the variables left unreplaced in its values.
    func evaluate(_ condition: IoTPolicyCondition) -> (holds: Bool, unresolved: [PolicyExpandedPattern.Unresolved]) {
        let expanded = condition.values.map { PolicyExpandedPattern($0, resolver: resolver, substitute: substitute) }
        let unresolved = expanded.flatMap(\.unresolved)
        let op = condition.operator
        let requestValues: [String]?
        switch resolver.lookup(condition.key) {
        case .values(let values): requestValues = values
        case .absent: requestValues = nil
        }
        if op.base == .null {
            let holds = expanded.contains { value in
                switch value.text.lowercased() {
                case "true": requestValues == nil
                case "false": requestValues != nil
                default: false
                }
            }
            return (holds, unresolved)
        }
        guard let requestValues, !requestValues.isEmpty else {
            if op.ifExists || op.qualifier == .forAllValues { return (true, unresolved) }
            if op.qualifier == .forAnyValue { return (false, unresolved) }
            return (op.base.isNegated, unresolved)
        }
        let perValue: (String) -> Bool = { value in
            let matched = expanded.contains { matches(op.base, request: value, policy: $0) }
            return op.base.isNegated ? !matched : matched
        }
        let holds: Bool
        switch op.qualifier {
        case .forAllValues: holds = requestValues.allSatisfy(perValue)
        case .forAnyValue: holds = requestValues.contains(where: perValue)
        case nil: holds = op.base.isNegated ? requestValues.allSatisfy(perValue) : requestValues.contains(where: perValue)
        }
        return (holds, unresolved)
    }

    /// The positive comparison behind `base` (for `StringNotEquals`, whether the strings are equal).
    private func matches(_ base: IoTConditionOperator.Base, request: String, policy: PolicyExpandedPattern) -> Bool {
        switch base {
        case .stringEquals, .stringNotEquals: return request == policy.text
        case .stringEqualsIgnoreCase, .stringNotEqualsIgnoreCase: return request.lowercased() == policy.text.lowercased()
        case .stringLike, .stringNotLike: return policy.matcher.matches(request)
        case .bool: return request.lowercased() == policy.text.lowercased()
        case .ipAddress, .notIpAddress:
            guard let address = PolicyIPAddress(request) else { return false }
            return PolicyIPAddress.contains(block: policy.text, address: address)
        case .arnEquals, .arnLike, .arnNotEquals, .arnNotLike: return Self.arnMatches(pattern: policy.matcher, request)
        case .numericEquals, .numericNotEquals, .numericLessThan, .numericLessThanEquals, .numericGreaterThan,
             .numericGreaterThanEquals:
            guard let lhs = Double(request), let rhs = Double(policy.text) else { return false }
            switch base {
            case .numericEquals, .numericNotEquals: return lhs == rhs
            case .numericLessThan: return lhs < rhs
            case .numericLessThanEquals: return lhs <= rhs
            case .numericGreaterThan: return lhs > rhs
            default: return lhs >= rhs
            }
        case .null: return false
        }
    }

    /// ARN matching as IAM's Arn operators do it: each of the six colon-separated parts is matched separately, so a
    /// `*` never crosses a `:` before the resource part.
    static func arnMatches(pattern: PolicyWildcardPattern, _ arn: String) -> Bool {
        func split<T>(_ items: [T], isColon: (T) -> Bool) -> [[T]] {
            var parts: [[T]] = [[]]
            for item in items {
                if isColon(item), parts.count < 6 { parts.append([]) } else { parts[parts.count - 1].append(item) }
            }
            return parts
        }
        let patternParts = split(pattern.tokens) { $0 == .character(":") }
        let arnParts = split(Array(arn)) { $0 == ":" }
        guard patternParts.count == 6, arnParts.count == 6 else { return false }
        return zip(patternParts, arnParts).allSatisfy { tokens, characters in
            PolicyWildcardPattern(tokens: tokens).matches(String(characters))
        }
    }
}
