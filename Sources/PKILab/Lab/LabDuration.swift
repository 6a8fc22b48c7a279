/// A length of time written the way `lab.yaml` does: `90d`, `2y`, `12h`, `30m`, `45s`, `6w`, or a sum like `1y30d`.
///
/// A year is 365 days; there are no months, because their length varies.
public struct LabDuration: Sendable, Hashable, CustomStringConvertible {
    /// The length in seconds.
    public var seconds: Int64
    /// The text it was written as, kept so the spec digest does not change when nothing was edited.
    public var text: String

    public init(seconds: Int64, text: String) {
        self.seconds = seconds
        self.text = text
    }

    private static let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800, "y": 31_536_000]

    /// Parses `90d`, `2y`, `1y30d`; returns nil for anything else (including `0d` and a bare number).
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard !trimmed.isEmpty else { return nil }
        var total: Int64 = 0
        var number: Int64? = nil
        for character in trimmed {
            if let digit = character.wholeNumberValue, character.isASCII {
                let (times, overflow1) = (number ?? 0).multipliedReportingOverflow(by: 10)
                let (next, overflow2) = times.addingReportingOverflow(Int64(digit))
                guard !overflow1, !overflow2, next < 1_000_000 else { return nil }
                number = next
            } else if let unit = Self.units[character], let value = number {
                total += value * unit
                number = nil
            } else {
                return nil
            }
        }
        guard number == nil, total > 0 else { return nil }
        self.init(seconds: total, text: trimmed)
    }

    public var description: String { text }
}

import Foundation
