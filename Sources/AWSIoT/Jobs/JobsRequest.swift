/// What a device asks of the Jobs service, by the topic it publishes to under `$aws/things/<thing>/jobs/`.
public enum JobsRequest: Sendable, Hashable {
    /// `jobs/get`: the thing's pending executions (GetPendingJobExecutions).
    case get
    /// `jobs/start-next`: start (or resume) the next pending execution (StartNextPendingJobExecution).
    case startNext
    /// `jobs/<jobId>/get`: one execution, `$next` meaning the next pending one (DescribeJobExecution).
    case describe(jobID: String)
    /// `jobs/<jobId>/update`: change an execution's status (UpdateJobExecution).
    case update(jobID: String)

    /// The job id that stands for "the next pending execution" in `jobs/$next/get`.
    public static let next = "$next"

    /// The request's topic, without `/accepted` or `/rejected`.
    public func topic(thing: String) -> String {
        let prefix = "$aws/things/\(thing)/jobs"
        return switch self {
        case .get: "\(prefix)/get"
        case .startNext: "\(prefix)/start-next"
        case .describe(let jobID): "\(prefix)/\(jobID)/get"
        case .update(let jobID): "\(prefix)/\(jobID)/update"
        }
    }
}
