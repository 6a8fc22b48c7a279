import Foundation

/// A signed shift of the lab's clock, written `+400d`, `-30d` or `400d` (forward): what `--time-offset` tells
/// devices over SNTP, and `--lab-clock-offset` applies to the lab's own certificate checks.
public struct ClockOffset: Sendable, Hashable, CustomStringConvertible {
    public var seconds: Int64

    public static let zero = ClockOffset(seconds: 0)

    public init(seconds: Int64) {
        self.seconds = seconds
    }

    /// Parses `+400d`, `-2h`, `1y30d`; `0` for none. Nil for anything else.
    public init?(parsing text: String) {
        var body = text.trimmingCharacters(in: .whitespaces)
        if body == "0" || body == "+0" || body == "-0" { self.init(seconds: 0); return }
        var sign: Int64 = 1
        if body.hasPrefix("+") { body.removeFirst() } else if body.hasPrefix("-") { sign = -1; body.removeFirst() }
        guard let duration = LabDuration(parsing: body) else { return nil }
        self.init(seconds: sign * duration.seconds)
    }

    /// `date` moved by the offset.
    public func apply(to date: Date) -> Date {
        date.addingTimeInterval(TimeInterval(seconds))
    }

    /// The offset's time now.
    public var now: Date { apply(to: Date()) }

    public var isZero: Bool { seconds == 0 }

    /// `+400d`, `-2h`, `+1d12h`, or `0`.
    public var description: String {
        guard seconds != 0 else { return "0" }
        var rest = abs(seconds)
        var text = seconds < 0 ? "-" : "+"
        for (unit, size) in [("d", Int64(86_400)), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text
    }
}
