/// A resource or condition value with its policy variables substituted: `${name}` becomes the request's value
/// (matched literally), or stays as literal `${name}` text when AWS would not substitute it. `${*}`, `${?}` and
/// `${$}` are IAM's escapes for a literal `*`, `?` and `$`. Outside variables `*` and `?` stay wildcards.
struct PolicyExpandedPattern {
    /// A variable left unreplaced, with the reason.
    struct Unresolved: Hashable {
        var variable: String
        var reason: String
    }

    var matcher: PolicyWildcardPattern
    /// The value after substitution, for display and for exact comparisons.
    var text: String
    var unresolved: [Unresolved]

    /// Expands `pattern`; with `substitute` false (a `2008-10-17` policy) `${…}` is literal text throughout.
    init(_ pattern: String, resolver: PolicyVariableResolver, substitute: Bool, caseInsensitive: Bool = false) {
        var tokens: [PolicyWildcardPattern.Token] = []
        var text = ""
        var unresolved: [Unresolved] = []
        var rest = Substring(pattern)
        while !rest.isEmpty {
            guard substitute, let open = rest.firstRange(of: "${"), let close = rest[open.upperBound...].firstIndex(of: "}") else {
                tokens += PolicyWildcardPattern.tokens(wildcardText: String(rest))
                text += rest
                break
            }
            let before = String(rest[..<open.lowerBound])
            tokens += PolicyWildcardPattern.tokens(wildcardText: before)
            text += before
            let name = String(rest[open.upperBound..<close])
            let whole = "${" + name + "}"
            if name == "*" || name == "?" || name == "$" {
                tokens += PolicyWildcardPattern.tokens(literal: name)
                text += name
            } else {
                switch resolver.substitution(for: name) {
                case .success(let value):
                    tokens += PolicyWildcardPattern.tokens(literal: value)
                    text += value
                case .failure(let reason):
                    tokens += PolicyWildcardPattern.tokens(literal: whole)
                    text += whole
                    let entry = Unresolved(variable: whole, reason: reason.text)
                    if !unresolved.contains(entry) { unresolved.append(entry) }
                }
            }
            rest = rest[rest.index(after: close)...]
        }
        self.matcher = PolicyWildcardPattern(tokens: tokens, caseInsensitive: caseInsensitive)
        self.text = text
        self.unresolved = unresolved
    }
}
