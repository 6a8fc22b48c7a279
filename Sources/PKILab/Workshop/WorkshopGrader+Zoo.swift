import Foundation

/// The zoo exercise: a device's grade follows the current ``ZooReport`` of the zoo events attributed to it.
extension WorkshopGrader {
    /// The zoo events that count for `identity`: those that presented its certificate, and those from every host
    /// that belongs to it alone.
    func zooSamples(of identity: String) -> ZooSamples {
        var samples = zooByIdentity[identity] ?? ZooSamples()
        for host in statuses[identity]?.hosts ?? [] where owner(of: host) == identity {
            if let more = zooByHost[host] { samples.merge(more) }
        }
        return samples
    }

    /// Re-grades the attendee's zoo exercise and score from its samples.
    ///
    /// - Parameter identity: The attendee.
    /// - Returns: Whether its status changed.
    @discardableResult
    mutating func regradeZoo(of identity: String) -> Bool {
        let samples = zooSamples(of: identity)
        let (score, result, headline) = Self.zooGrade(samples)
        zooHeadlines[identity] = headline
        let before = statuses[identity]
        modify(identity) { status in
            status.zoo = score
            status.exercises[WorkshopExercise.zoo.rawValue] = result
        }
        return statuses[identity] != before
    }

    /// Moves the attendee's zoo evidence on to `event`, a zoo event that cannot change its grade (its listener and
    /// verdict were seen before): cheaper than a re-grade, for a device that runs the zoo over and over.
    ///
    /// - Parameters:
    ///   - identity: The attendee, whose zoo was graded before.
    ///   - event: The zoo event attributed to it.
    mutating func touchZoo(of identity: String, with event: ConnectionEvent) {
        guard let headline = zooHeadlines[identity], var result = statuses[identity]?.result(.zoo),
              result.time.map({ $0 <= event.time }) ?? true else { return }
        result.evidence = Self.zooEvidence(headline, last: event)
        result.time = event.time
        modify(identity) { $0.exercises[WorkshopExercise.zoo.rawValue] = result }
    }

    /// The score and result of a device's zoo samples, and the first part of the evidence.
    ///
    /// - Parameter samples: The zoo events attributed to the device.
    /// - Returns: nil and pending without samples; else failed while the report has failures, passed once every
    ///   scenario was reached without one, and pending with how many were reached before that.
    static func zooGrade(_ samples: ZooSamples) -> (ZooScore?, ExerciseResult, String?) {
        guard !samples.isEmpty, let latest = samples.latest else { return (nil, .pending, nil) }
        let report = samples.report
        let score = ZooScore(report)
        let (status, headline): (ExerciseResult.Status, String) =
            if !report.failures.isEmpty {
                (.failed, "Failed \(report.failures.joined(separator: ", "))")
            } else if report.untested.isEmpty {
                (.passed, "All \(score.total) zoo servers tried, none failed")
            } else {
                (.pending, "\(score.graded) of \(score.total) zoo servers tried, none failed")
            }
        return (score, ExerciseResult(status: status, evidence: zooEvidence(headline, last: latest), time: latest.time), headline)
    }

    /// `Failed expired (last: zoo-expired at 12:01:07 UTC).`
    static func zooEvidence(_ headline: String, last event: ConnectionEvent) -> String {
        "\(headline) (last: \(event.endpoint) at \(clock(event.time)))."
    }
}
