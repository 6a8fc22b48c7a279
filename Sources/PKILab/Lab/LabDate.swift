import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading and writing the dates that appear in `lab.yaml` and in pkilab's messages.
public enum LabDate {
    /// Parses `2030-01-31`, `2030-01-31T12:00:00Z` or `2030-01-31 12:00:00` (UTC unless an offset is given).
    public static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let formats = ["yyyy-MM-dd'T'HH:mm:ssXXXXX", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm:ssXXXXX",
                       "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd"]
        for format in formats {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = format
            if let date = formatter.date(from: trimmed) { return date }
        }
        return nil
    }

    /// `2030-01-31T12:00:00Z`
    public static func iso(_ date: Date) -> String {
        let t = utc(date)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)
    }

    /// `1 March 2025`, the way people read dates in messages.
    public static func human(_ date: Date) -> String {
        let t = utc(date)
        return "\(t.tm_mday) \(months[Int(t.tm_mon)]) \(t.tm_year + 1900)"
    }

    /// `1 March 2025 14:02 UTC`, when the hour matters (not-yet-valid certificates, clocks).
    public static func humanWithTime(_ date: Date) -> String {
        let t = utc(date)
        return human(date) + String(format: " %02d:%02d UTC", t.tm_hour, t.tm_min)
    }

    // gmtime_r rather than a DateFormatter: these run on every connection an endpoint explains.
    private static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                                 "October", "November", "December"]

    private static func utc(_ date: Date) -> tm {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return parts
    }
}
