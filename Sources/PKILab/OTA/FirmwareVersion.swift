/// A firmware version as OTA servers compare them: `1.2.0`, `v1.2`, `1.2.0-rc1`.
///
/// Numeric components compare numerically and a missing one counts as 0 (`1.2` == `1.2.0`). A pre-release sorts
/// before its release (`1.2.0-rc1` < `1.2.0`); two pre-releases compare identifier by identifier as in SemVer 2.0.0
/// §11 (numeric identifiers numerically and below alphanumeric ones, then lexically). Build metadata after `+` is
/// dropped.
public struct FirmwareVersion: Comparable, Sendable, Hashable, CustomStringConvertible {
    /// The numeric components as written: `[1, 2, 0]`.
    public var components: [Int]
    /// The text after the first `-`, if any: `rc1`.
    public var preRelease: String?

    /// Parses an optional `v`/`V`, one or more `.`-separated decimal components, and an optional `-pre-release`
    /// of ASCII letters, digits, `.` and `-`. Nil for anything else (`1..2`, `1.x`, `v`, empty).
    public init?(_ text: String) {
        var body = Substring(text)
        if let plus = body.firstIndex(of: "+") { body = body[..<plus] }
        if body.first == "v" || body.first == "V" { body = body.dropFirst() }
        var pre: String?
        if let dash = body.firstIndex(of: "-") {
            let tail = body[body.index(after: dash)...]
            guard !tail.isEmpty,
                tail.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") })
            else { return nil }
            pre = String(tail)
            body = body[..<dash]
        }
        var numbers: [Int] = []
        for part in body.split(separator: ".", omittingEmptySubsequences: false) {
            guard !part.isEmpty, part.count <= 18, part.allSatisfy({ ("0"..."9").contains($0) }), let value = Int(part)
            else { return nil }
            numbers.append(value)
        }
        guard !numbers.isEmpty else { return nil }
        components = numbers
        preRelease = pre
    }

    /// Splits a firmware file name into the product (the part before the version) and the version:
    /// `app-v1.2.0.bin` → (`app`, 1.2.0), `app_1.2.0.bin` → (`app`, 1.2.0), `sensor-fw-v2.0.bin` →
    /// (`sensor-fw`, 2.0), `app-v1.3.0-rc1.bin` → (`app`, 1.3.0-rc1).
    ///
    /// A final extension of letters only (`.bin`, `.img`) is dropped; the version starts after the first `-` or `_`
    /// that is followed by an optional `v` and a digit and whose remainder parses. Nil when there is no such
    /// separator or the product would be empty.
    public static func fromFileName(_ name: String) -> (product: String, version: FirmwareVersion)? {
        var stem = Substring(name)
        if let dot = stem.lastIndex(of: "."), stem.index(after: dot) < stem.endIndex,
            stem[stem.index(after: dot)...].allSatisfy({ $0.isASCII && $0.isLetter })
        {
            stem = stem[..<dot]
        }
        var index = stem.startIndex
        while index < stem.endIndex {
            if stem[index] == "-" || stem[index] == "_", index > stem.startIndex {
                var rest = stem[stem.index(after: index)...]
                if rest.first == "v" || rest.first == "V" { rest = rest.dropFirst() }
                if let first = rest.first, ("0"..."9").contains(first), let version = FirmwareVersion(String(rest)) {
                    return (String(stem[..<index]), version)
                }
            }
            index = stem.index(after: index)
        }
        return nil
    }

    /// `1.2.0`, `1.3.0-rc1`: the components as written, without `v`.
    public var description: String {
        components.map(String.init).joined(separator: ".") + (preRelease.map { "-\($0)" } ?? "")
    }

    public static func == (left: FirmwareVersion, right: FirmwareVersion) -> Bool {
        left.trimmed == right.trimmed && left.preRelease == right.preRelease
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(trimmed)
        hasher.combine(preRelease)
    }

    public static func < (left: FirmwareVersion, right: FirmwareVersion) -> Bool {
        let count = max(left.components.count, right.components.count)
        for index in 0..<count {
            let a = index < left.components.count ? left.components[index] : 0
            let b = index < right.components.count ? right.components[index] : 0
            if a != b { return a < b }
        }
        switch (left.preRelease, right.preRelease) {
        case (nil, _): return false
        case (_?, nil): return true
        case (let a?, let b?): return precedes(a, b)
        }
    }

    /// Components without trailing zeros, so that `1.2` and `1.2.0` are equal.
    private var trimmed: [Int] {
        var result = components
        while result.count > 1, result.last == 0 { result.removeLast() }
        return result
    }

    /// SemVer §11.4 for two pre-release strings.
    private static func precedes(_ left: String, _ right: String) -> Bool {
        let a = left.split(separator: ".", omittingEmptySubsequences: false)
        let b = right.split(separator: ".", omittingEmptySubsequences: false)
        for (x, y) in zip(a, b) where x != y {
            switch (Int(x), Int(y)) {
            case (let m?, let n?): return m < n
            case (_?, nil): return true
            case (nil, _?): return false
            case (nil, nil): return x.utf8.lexicographicallyPrecedes(y.utf8)
            }
        }
        return a.count < b.count
    }
}
