/// A statement's `Effect`: `Allow` grants what it matches, `Deny` refuses it whatever else allows it.
public enum IoTPolicyEffect: String, Sendable, Hashable, CaseIterable {
    case allow = "Allow"
    case deny = "Deny"
}
