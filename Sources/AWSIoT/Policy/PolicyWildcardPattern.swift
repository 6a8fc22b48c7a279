/// A compiled IAM-style wildcard pattern: `*` matches any run of characters (including `/` and none at all), `?`
/// exactly one; every other character, MQTT's `+` and `#` included, matches only itself.
struct PolicyWildcardPattern: Sendable, Hashable {
    /// One element of a pattern.
    enum Token: Sendable, Hashable {
        case character(Character)
        case anyRun
        case anyOne
    }

    var tokens: [Token]
    var caseInsensitive: Bool

    /// Compiles `pattern`, reading `*` and `?` as wildcards everywhere.
    init(_ pattern: String, caseInsensitive: Bool = false) {
        self.init(tokens: Self.tokens(wildcardText: pattern), caseInsensitive: caseInsensitive)
    }

    init(tokens: [Token], caseInsensitive: Bool = false) {
        self.tokens = tokens
        self.caseInsensitive = caseInsensitive
    }

    /// The tokens of `text` read with `*` and `?` as wildcards.
    static func tokens(wildcardText text: String) -> [Token] {
        text.map { $0 == "*" ? .anyRun : $0 == "?" ? .anyOne : .character($0) }
    }

    /// The tokens of `text` read literally (a substituted variable's value).
    static func tokens(literal text: String) -> [Token] {
        text.map { .character($0) }
    }

    /// Whether the whole of `text` matches (iterative matching with one backtrack point per `*`).
    func matches(_ text: String) -> Bool {
        let subject = Array(caseInsensitive ? text.lowercased() : text)
        var t = 0, s = 0
        var star: Int?
        var starS = 0
        while s < subject.count {
            if t < tokens.count {
                switch tokens[t] {
                case .anyRun:
                    star = t
                    starS = s
                    t += 1
                    continue
                case .anyOne:
                    t += 1
                    s += 1
                    continue
                case .character(let c):
                    if equal(c, subject[s]) {
                        t += 1
                        s += 1
                        continue
                    }
                }
            }
            guard let starIndex = star else { return false }
            t = starIndex + 1
            starS += 1
            s = starS
        }
        while t < tokens.count, tokens[t] == .anyRun { t += 1 }
        return t == tokens.count
    }

    private func equal(_ patternCharacter: Character, _ subjectCharacter: Character) -> Bool {
        guard caseInsensitive else { return patternCharacter == subjectCharacter }
        return patternCharacter.lowercased() == String(subjectCharacter)
    }
}
