/// A condition operator as a statement's `Condition` block names it: a base operator, optionally prefixed by a set
/// qualifier (`ForAllValues:` or `ForAnyValue:`) and suffixed by `IfExists`, e.g. `ForAnyValue:StringLikeIfExists`.
public struct IoTConditionOperator: Sendable, Hashable, CustomStringConvertible {
    /// The comparison itself.
    public enum Base: String, Sendable, Hashable, CaseIterable {
        case stringEquals = "StringEquals"
        case stringNotEquals = "StringNotEquals"
        case stringEqualsIgnoreCase = "StringEqualsIgnoreCase"
        case stringNotEqualsIgnoreCase = "StringNotEqualsIgnoreCase"
        case stringLike = "StringLike"
        case stringNotLike = "StringNotLike"
        case numericEquals = "NumericEquals"
        case numericNotEquals = "NumericNotEquals"
        case numericLessThan = "NumericLessThan"
        case numericLessThanEquals = "NumericLessThanEquals"
        case numericGreaterThan = "NumericGreaterThan"
        case numericGreaterThanEquals = "NumericGreaterThanEquals"
        case bool = "Bool"
        case ipAddress = "IpAddress"
        case notIpAddress = "NotIpAddress"
        case arnEquals = "ArnEquals"
        case arnLike = "ArnLike"
        case arnNotEquals = "ArnNotEquals"
        case arnNotLike = "ArnNotLike"
        case null = "Null"

        /// Whether the operator is a negation (`…Not…`), which IAM treats as met when the key is absent.
        public var isNegated: Bool {
            switch self {
            case .stringNotEquals, .stringNotEqualsIgnoreCase, .stringNotLike, .numericNotEquals, .notIpAddress,
                 .arnNotEquals, .arnNotLike: true
            default: false
            }
        }
    }

    /// How a multi-valued key's values combine: every value must match, or at least one must.
    public enum SetQualifier: String, Sendable, Hashable, CaseIterable {
        case forAllValues = "ForAllValues"
        case forAnyValue = "ForAnyValue"
    }

    public var base: Base
    public var qualifier: SetQualifier?
    /// `…IfExists`: the condition holds when the key is absent from the request.
    public var ifExists: Bool

    public init(base: Base, qualifier: SetQualifier? = nil, ifExists: Bool = false) {
        self.base = base
        self.qualifier = qualifier
        self.ifExists = ifExists
    }

    /// Parses an operator as IAM spells it (case-sensitive), or returns nil. `Null` takes neither `IfExists` nor a
    /// set qualifier.
    public init?(parsing text: String) {
        var rest = Substring(text)
        var qualifier: SetQualifier?
        for candidate in SetQualifier.allCases where rest.hasPrefix(candidate.rawValue + ":") {
            qualifier = candidate
            rest = rest.dropFirst(candidate.rawValue.count + 1)
        }
        var ifExists = false
        if rest.hasSuffix("IfExists") {
            ifExists = true
            rest = rest.dropLast("IfExists".count)
        }
        guard let base = Base(rawValue: String(rest)), base != .null || (!ifExists && qualifier == nil) else { return nil }
        self.init(base: base, qualifier: qualifier, ifExists: ifExists)
    }

    /// The operator as written in a policy.
    public var description: String {
        (qualifier.map { $0.rawValue + ":" } ?? "") + base.rawValue + (ifExists ? "IfExists" : "")
    }
}
