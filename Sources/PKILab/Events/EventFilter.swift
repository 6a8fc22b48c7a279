import Foundation

/// Which connection events to show (`pkilab events --since --endpoint --identity --reason`): every condition given
/// must hold; an empty set or nil means any.
public struct EventFilter: Sendable, Hashable {
    /// Only events at or after this time.
    public var since: Date?
    /// Only events of these endpoints (`echo`, `mqtt`, `zoo-expired`, …).
    public var endpoints: Set<String>
    /// Only events of these identities: the client certificate's common name, its lab name (the
    /// `urn:pkilab:LAB:NAME` SAN), or the MQTT identity the broker took from it.
    public var identities: Set<String>
    /// Only events with these reason codes (`no_client_certificate`, `publish_denied`, `accepted`, …).
    public var reasons: Set<String>

    public init(since: Date? = nil, endpoints: Set<String> = [], identities: Set<String> = [], reasons: Set<String> = []) {
        self.since = since
        self.endpoints = endpoints
        self.identities = identities
        self.reasons = reasons
    }

    /// Whether `event` passes every condition.
    public func matches(_ event: ConnectionEvent) -> Bool {
        if let since, event.time < since { return false }
        if !endpoints.isEmpty && !endpoints.contains(event.endpoint) { return false }
        if !reasons.isEmpty && !reasons.contains(event.reason) { return false }
        if !identities.isEmpty && identities.isDisjoint(with: Self.identities(of: event)) { return false }
        return true
    }

    /// The names `event`'s client goes by.
    static func identities(of event: ConnectionEvent) -> Set<String> {
        var names: Set<String> = []
        if let name = event.client?.commonName { names.insert(name) }
        if let name = event.mqtt?.identity { names.insert(name) }
        for name in event.client?.names ?? [] where name.hasPrefix("URI:urn:pkilab:") || name.hasPrefix("urn:pkilab:") {
            if let last = name.split(separator: ":").last { names.insert(String(last)) }
        }
        return names
    }

    /// A `--since` value: an ISO 8601 time (`2026-12-02T10:00:00Z`) or an age (`90s`, `10m`, `2h`, `1d`) before `now`.
    public static func time(parsing text: String, now: Date = Date()) -> Date? {
        if let date = ISO8601DateFormatter().date(from: text) { return date }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        guard let unit = text.last.flatMap({ units[$0] }), let amount = Double(text.dropLast()), amount >= 0, amount.isFinite else { return nil }
        return now.addingTimeInterval(-amount * unit)
    }
}
