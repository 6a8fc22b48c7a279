/// The status of a job execution on one thing, with AWS's spelling.
public enum JobExecutionStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case queued = "QUEUED"
    case inProgress = "IN_PROGRESS"
    case succeeded = "SUCCEEDED"
    case failed = "FAILED"
    case rejected = "REJECTED"
    case timedOut = "TIMED_OUT"
    case canceled = "CANCELED"
    case removed = "REMOVED"

    /// QUEUED and IN_PROGRESS: what `jobs/get` lists and `start-next` picks from.
    public var isPending: Bool { self == .queued || self == .inProgress }

    /// Every status but QUEUED and IN_PROGRESS: the execution is over and no update changes it.
    public var isTerminal: Bool { !isPending }

    /// The statuses a device may set with `jobs/<jobId>/update`.
    public static let settableByDevice: [JobExecutionStatus] = [.inProgress, .succeeded, .failed, .rejected]
}
