import Foundation

/// One attendee of a workshop as the console's board shows it: the last thing that happened to them, their counts,
/// their zoo score and where they stand on each ``WorkshopExercise``.
///
/// ``WorkshopGrader`` keeps one per identity and updates it with every event attributed to that identity.
public struct AttendeeStatus: Sendable, Codable, Hashable {
    /// The identity: a fleet member's name, or the common name (or broker identity) of a certificate seen.
    public var identity: String
    /// The time of the last event attributed to the attendee.
    public var lastSeen: Date?
    /// The endpoint of that event.
    public var lastEndpoint: String?
    /// Its outcome: a ``ConnectionEvent/Outcome`` raw value.
    public var lastOutcome: String?
    /// Its reason: `ok` or a reason code.
    public var lastReason: String?
    /// Its explanation.
    public var lastExplanation: String?
    /// Its hint, if it had one.
    public var lastHint: String?
    /// The hosts the attendee's certificate was seen from, in the order first seen.
    public var hosts: [String]
    /// The connections attributed to the attendee: one per event, except that the events of one MQTT connection
    /// (its CONNECT, its refusals, its close) count once.
    public var connections: Int
    /// The events attributed to the attendee whose outcome is `rejected` (a refused handshake, CONNECT, publish,
    /// subscribe…), leaving out `closed_unused`, which refuses nothing.
    public var refusals: Int
    /// How the attendee's device does against the zoo; nil until a zoo event is attributed to it.
    public var zoo: ZooScore?
    /// Every ``WorkshopExercise``, keyed by its raw value.
    public var exercises: [String: ExerciseResult]

    /// Creates the status of an attendee nothing has been seen of: every exercise pending.
    ///
    /// - Parameter identity: The attendee's identity.
    public init(identity: String) {
        self.identity = identity
        hosts = []
        connections = 0
        refusals = 0
        exercises = Dictionary(uniqueKeysWithValues: WorkshopExercise.allCases.map { ($0.rawValue, ExerciseResult.pending) })
    }

    /// The result of `exercise` (pending when absent).
    ///
    /// - Parameter exercise: The exercise to look up.
    /// - Returns: Where the attendee stands on it.
    public func result(_ exercise: WorkshopExercise) -> ExerciseResult {
        exercises[exercise.rawValue] ?? .pending
    }
}
