/// How one device does against the zoo, in the few numbers a board shows, taken from a ``ZooReport``.
///
/// A scenario (a ``ZooServer``) is graded once a connection reached it on either listener, TLS or MQTT; it is passed
/// when none of its rows is a failure (see ``ZooVerdict/isFailure``).
public struct ZooScore: Sendable, Codable, Hashable {
    /// The scenarios reached.
    public var graded: Int
    /// The scenarios reached without a failure.
    public var passed: Int
    /// The zoo's scenarios: `ZooServer.allCases.count`.
    public var total: Int
    /// The bad servers the device wrongly accepted, named as ``ZooReport/failures`` names them (`expired`,
    /// `mqtt/wrong-host`). A refused `good` server fails a scenario too, but is not listed here.
    public var wronglyAccepted: [String]

    /// Creates a score from its numbers.
    ///
    /// - Parameters:
    ///   - graded: The scenarios reached.
    ///   - passed: The scenarios reached without a failure.
    ///   - total: The zoo's scenarios.
    ///   - wronglyAccepted: The bad servers wrongly accepted.
    public init(graded: Int, passed: Int, total: Int, wronglyAccepted: [String]) {
        self.graded = graded
        self.passed = passed
        self.total = total
        self.wronglyAccepted = wronglyAccepted
    }

    /// Creates the score of a report.
    ///
    /// - Parameter report: The zoo report of one device's events.
    public init(_ report: ZooReport) {
        let failing = Set(report.rows.filter(\.verdict.isFailure).map(\.scenario))
        let reached = Set(report.rows.map(\.scenario))
        self.init(graded: reached.count, passed: reached.subtracting(failing).count, total: ZooServer.allCases.count,
                  wronglyAccepted: report.rows.filter { $0.verdict == .wronglyAccepted }
                      .map { $0.listener == "tls" ? $0.scenario : "mqtt/\($0.scenario)" })
    }
}
