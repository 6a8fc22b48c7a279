import Foundation

/// When a certificate is valid: a duration counted from issuance, or explicit dates.
///
/// Explicit dates make a deliberately expired or not-yet-valid certificate a one-line change in `lab.yaml`.
public struct ValiditySpec: Sendable, Hashable, CustomStringConvertible {
    /// How long the certificate lives, when its end is not given as a date.
    public var duration: LabDuration?
    /// An explicit start; when nil the start is the issuance time less ``skew``.
    public var notBefore: Date?
    /// An explicit end.
    public var notAfter: Date?
    /// How far the start is back-dated when it is not explicit, so slightly slow clocks still accept it.
    public var skew: LabDuration
    /// The opt-in `clockless` profile: valid from 1970-01-01T00:00:00Z, so a device whose clock was never set
    /// (it believes it is 1970) accepts it. For telling a clock problem from a TLS problem; never the default.
    public var clockless: Bool

    public init(duration: LabDuration?, notBefore: Date? = nil, notAfter: Date? = nil, skew: LabDuration, clockless: Bool = false) {
        self.duration = duration
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.skew = skew
        self.clockless = clockless
    }

    /// The clockless window: from the Unix epoch to the last second UTCTime can hold (2049-12-31T23:59:59Z).
    public static func clockless(skew: LabDuration) -> ValiditySpec {
        ValiditySpec(duration: nil, notBefore: Date(timeIntervalSince1970: 0), notAfter: Date(timeIntervalSince1970: 2_524_607_999),
                     skew: skew, clockless: true)
    }

    /// True when the validity is counted from the time of issuance (so it can be renewed when it runs out).
    public var isRelative: Bool { notBefore == nil && notAfter == nil }

    /// The concrete window for a certificate issued at `now`.
    ///
    /// The whole span (notAfter − notBefore) never exceeds the validity asked for: a certificate counted from
    /// issuance starts ``skew`` before `now` and ends `duration` after that start, so an 825-day leaf is valid for
    /// 825 days, not 825 days and an hour (Apple platforms refuse TLS server certificates valid for more than
    /// 825 days). A validity shorter than twice the skew is back-dated by half of it, so it is still valid for
    /// at least half its life when issued.
    public func window(issuedAt now: Date) -> (notBefore: Date, notAfter: Date) {
        if let notBefore {
            return (notBefore, notAfter ?? notBefore.addingTimeInterval(TimeInterval(duration?.seconds ?? 0)))
        }
        let skew = TimeInterval(self.skew.seconds)
        guard let duration, notAfter == nil else {
            return (now.addingTimeInterval(-skew), notAfter ?? now)
        }
        let life = TimeInterval(duration.seconds)
        let start = now.addingTimeInterval(-min(skew, life / 2))
        return (start, start.addingTimeInterval(life))
    }

    /// A stable text for the spec digest.
    public var description: String {
        var parts: [String] = clockless ? ["clockless"] : []
        if let duration { parts.append("for \(duration.text)") }
        if let notBefore { parts.append("from \(LabDate.iso(notBefore))") }
        if let notAfter { parts.append("until \(LabDate.iso(notAfter))") }
        if isRelative { parts.append("skew \(skew.text)") }
        return parts.joined(separator: " ")
    }
}
