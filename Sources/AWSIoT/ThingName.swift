/// A thing's name as AWS IoT accepts it: 1–128 characters from `a-z A-Z 0-9 : _ -` (CreateThing's pattern
/// `[a-zA-Z0-9:_-]+`). Device Shadow and Jobs topics carry it as one topic level, so it never holds `/`, `+` or `#`.
public struct ThingName: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let value: String

    /// The name, or nil when AWS IoT would refuse it (``problem(with:)`` says why).
    public init?(_ value: String) {
        guard Self.problem(with: value) == nil else { return nil }
        self.value = value
    }

    public var description: String { value }

    public static func < (lhs: ThingName, rhs: ThingName) -> Bool { lhs.value < rhs.value }

    /// Why AWS IoT would refuse `value` as a thing name, as a clause ("is 130 characters; …"), or nil.
    public static func problem(with value: String) -> String? {
        if value.isEmpty { return "is empty; a thing name has 1 to 128 characters" }
        let count = value.unicodeScalars.count
        if count > 128 { return "is \(count) characters; a thing name has at most 128" }
        if let bad = value.unicodeScalars.first(where: { !allowed($0) }) {
            return "holds \"\(bad)\"; a thing name may hold only letters, digits, \":\", \"_\" and \"-\""
        }
        return nil
    }

    private static func allowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ":", "_", "-": true
        default: false
        }
    }
}
