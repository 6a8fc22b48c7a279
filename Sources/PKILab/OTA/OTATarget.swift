/// One rule of `ota.targets:`: which images which identities may (or may not) get, policy-style.
///
/// ```yaml
/// targets:
///   - allow: ["app-*"]                 # file-name patterns, * and ?
///   - deny: ["app-v2.*"]
///     identities: [device-002]         # default: every identity
/// ```
/// A deny rule wins over any allow; with rules, what no rule allows is refused. Without `targets:` every identity
/// of the lab may get every image.
public struct OTATarget: Sendable, Hashable {
    public enum Effect: String, Sendable, Hashable, Codable {
        case allow
        case deny
    }

    public var effect: Effect
    /// File-name patterns (`*` any run of characters, `?` one character).
    public var images: [String]
    /// Lab identity names (certificate names, fleet members); empty for every identity.
    public var identities: [String]
    /// Where it is written, for messages (`ota.targets[1]`).
    public var keyPath: String

    public init(effect: Effect, images: [String], identities: [String] = [], keyPath: String = "ota.targets") {
        self.effect = effect
        self.images = images
        self.identities = identities
        self.keyPath = keyPath
    }

    /// Whether the rule speaks of `image` for `identity`.
    public func covers(image: String, identity: String) -> Bool {
        (identities.isEmpty || identities.contains(identity)) && images.contains { Self.glob($0, matches: image) }
    }

    /// Shell-style matching of `*` and `?` over the whole name.
    public static func glob(_ pattern: String, matches name: String) -> Bool {
        let p = Array(pattern), n = Array(name)
        var pi = 0, ni = 0, star = -1, mark = 0
        while ni < n.count {
            if pi < p.count, p[pi] == "?" || p[pi] == n[ni] {
                pi += 1
                ni += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi
                mark = ni
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ni = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}

/// The decision of ``OTASpec/decide(image:identity:)``: allowed or not, and the rule that decided.
public struct OTATargetDecision: Sendable, Hashable {
    public var allowed: Bool
    /// The deciding rule's key path, or nil when no rule matched (or the lab has none).
    public var rule: String?

    /// In words, for events: "allowed by ota.targets[0]", "denied by ota.targets[1]", "no rule of ota.targets allows it".
    public var words: String {
        if let rule { return "\(allowed ? "allowed" : "denied") by \(rule)" }
        return allowed ? "the lab has no ota.targets: every identity may get every image" : "no rule of ota.targets allows it"
    }
}
