import Foundation

/// The zoo events of one host or one identity, kept small enough to re-grade on every zoo event: one event per
/// listener and verdict (at most 22 listeners × 6 verdicts), stripped to what ``ZooReport`` reads.
///
/// A ``ZooReport`` of the samples has the same rows, verdicts, failures and untested scenarios as a report of all
/// the events they stand for; only its connection counts are smaller.
struct ZooSamples: Sendable, Hashable {
    /// By `endpoint verdict`.
    private(set) var events: [String: ConnectionEvent] = [:]
    /// The newest event added (by time).
    private(set) var latest: ConnectionEvent?

    var isEmpty: Bool { events.isEmpty }

    /// Adds a zoo event (one with a ``ConnectionEvent/zoo`` detail; others are ignored).
    ///
    /// - Parameter event: The event to add.
    /// - Returns: Whether it is the first of its listener and verdict: only then can a report of the samples change.
    @discardableResult
    mutating func add(_ event: ConnectionEvent) -> Bool {
        guard let zoo = event.zoo else { return false }
        var sample = ConnectionEvent(time: event.time, endpoint: event.endpoint, peer: "", outcome: event.outcome, reason: event.reason,
                                     explanation: "")
        sample.zoo = zoo
        let isNew = events.updateValue(sample, forKey: "\(event.endpoint) \(zoo.verdict.rawValue)") == nil
        if latest.map({ $0.time <= event.time }) ?? true { latest = sample }
        return isNew
    }

    /// Adds every sample of `other`.
    ///
    /// - Parameter other: The samples to merge in.
    mutating func merge(_ other: ZooSamples) {
        events.merge(other.events) { mine, _ in mine }
        if let theirs = other.latest, latest.map({ $0.time <= theirs.time }) ?? true { latest = theirs }
    }

    /// The report of the samples.
    var report: ZooReport { ZooReport(events: Array(events.values)) }
}
