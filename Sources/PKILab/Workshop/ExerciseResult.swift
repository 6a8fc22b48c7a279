import Foundation

/// Where one attendee stands on one ``WorkshopExercise``.
public struct ExerciseResult: Sendable, Codable, Hashable {
    /// The state of an exercise.
    public enum Status: String, Sendable, Codable {
        /// Not passed yet.
        case pending
        /// Passed; it stays passed (except ``WorkshopExercise/zoo``, which follows the current zoo report).
        case passed
        /// Failed: only ``WorkshopExercise/zoo`` fails, while the device accepts a bad server or refuses the good one.
        case failed
    }

    /// Where the exercise stands.
    public var status: Status
    /// One short sentence naming the endpoint and time of the event that decided the status; nil while nothing did.
    public var evidence: String?
    /// The time of that event.
    public var time: Date?

    /// Creates a result.
    ///
    /// - Parameters:
    ///   - status: Where the exercise stands.
    ///   - evidence: The sentence that names the deciding event's endpoint and time.
    ///   - time: The deciding event's time.
    public init(status: Status = .pending, evidence: String? = nil, time: Date? = nil) {
        self.status = status
        self.evidence = evidence
        self.time = time
    }

    /// A pending result with nothing to show.
    public static let pending = ExerciseResult()
}
