/// Every job execution of the lab, and the Jobs service's answers to the requests devices publish under
/// `$aws/things/<thing>/jobs/…`.
///
/// A value type with no I/O, `Codable` so the lab can save it. Executions are kept per thing in the order they were
/// queued, which is the order `start-next` serves them (IN_PROGRESS ones first).
public struct JobsStore: Sendable, Codable, Hashable {
    var things: [String: [JobExecution]] = [:]

    /// Largest job document AWS IoT accepts, in bytes.
    public static let maximumDocumentSize = 32 * 1024

    public init() {}

    /// The executions of `thing`, oldest first (for `pkilab job ls`).
    public func executions(of thing: String) -> [JobExecution] {
        things[thing] ?? []
    }

    /// The things that have executions, by name.
    public var thingNames: [String] { things.keys.sorted() }

    /// `pkilab job create THING --document FILE [--job-id ID]`: queues an execution of job `jobID` on `thing` and
    /// returns the `jobs/notify` and `jobs/notify-next` messages AWS publishes at that moment. `presign` fills the
    /// `${aws:iot:s3-presigned-url:…}` placeholders of the document notify-next carries (by default they stay).
    public mutating func create(
        jobID: String, thing: String, document: [UInt8], now: Int64, presign: (String) -> String? = { _ in nil }
    ) throws(JobsError) -> [IoTMessage] {
        if let problem = ThingName.problem(with: thing) { throw JobsError("the thing name \(problem)") }
        guard JobID.isValid(jobID) else {
            throw JobsError("the job id \"\(jobID)\" is not 1 to 64 letters, digits, \"_\" or \"-\"")
        }
        guard document.count <= Self.maximumDocumentSize else {
            throw JobsError(
                "the job document is \(document.count) bytes; AWS IoT accepts at most \(Self.maximumDocumentSize)")
        }
        let json: IoTJSON
        do {
            json = try IoTJSONParser.parse(document)
        } catch .notUTF8 {
            throw JobsError("the job document is not UTF-8 text")
        } catch {
            throw JobsError("the job document is not valid JSON")
        }
        guard case .object = json else { throw JobsError("the job document must be a JSON object") }
        guard !executions(of: thing).contains(where: { $0.jobID == jobID }) else {
            throw JobsError("\(thing) already has a job \"\(jobID)\"; choose another id with --job-id")
        }
        let before = snapshot(thing)
        things[thing, default: []].append(
            JobExecution(jobID: jobID, thingName: thing, document: json, queuedAt: now, lastUpdatedAt: now))
        return notifications(thing, since: before, now: now, presign: presign)
    }

    /// `pkilab job cancel THING JOB` (CancelJobExecution): a pending execution becomes CANCELED; returns the
    /// `jobs/notify` and `jobs/notify-next` messages that follow.
    public mutating func cancel(
        jobID: String, thing: String, now: Int64, presign: (String) -> String? = { _ in nil }
    ) throws(JobsError) -> [IoTMessage] {
        guard let index = things[thing]?.firstIndex(where: { $0.jobID == jobID }) else {
            throw JobsError("\(thing) has no job \"\(jobID)\"")
        }
        let before = snapshot(thing)
        var execution = things[thing]![index]
        guard execution.status.isPending else {
            throw JobsError("job \"\(jobID)\" of \(thing) is already \(execution.status.rawValue)")
        }
        execution.status = .canceled
        execution.lastUpdatedAt = now
        execution.versionNumber += 1
        things[thing]![index] = execution
        return notifications(thing, since: before, now: now, presign: presign)
    }

    // MARK: Pending list and notifications

    /// The pending executions in AWS's order: IN_PROGRESS first, then QUEUED, each oldest first.
    func pending(_ thing: String) -> [JobExecution] {
        let executions = executions(of: thing)
        return executions.filter { $0.status == .inProgress } + executions.filter { $0.status == .queued }
    }

    /// The execution `jobs/$next/get` and `start-next` would serve.
    func next(_ thing: String) -> JobExecution? { pending(thing).first }

    /// What the notifications compare: which executions are pending, and which is next.
    struct Snapshot: Equatable {
        var pending: Set<String>
        var next: String?
    }

    func snapshot(_ thing: String) -> Snapshot {
        Snapshot(pending: Set(pending(thing).map(\.jobID)), next: next(thing)?.jobID)
    }

    /// `jobs/notify` when an execution joined or left the pending list since `before`, and `jobs/notify-next` when
    /// the next execution changed.
    func notifications(
        _ thing: String, since before: Snapshot, now: Int64, presign: (String) -> String?
    ) -> [IoTMessage] {
        let after = snapshot(thing)
        var messages: [IoTMessage] = []
        if after.pending != before.pending {
            let pending = pending(thing)
            let jobs = IoTJSON.members([
                "QUEUED": Self.list(pending.filter { $0.status == .queued }),
                "IN_PROGRESS": Self.list(pending.filter { $0.status == .inProgress }),
            ])
            messages.append(
                IoTMessage(
                    topic: "$aws/things/\(thing)/jobs/notify", json: .object(["timestamp": .int(now), "jobs": jobs])))
        }
        if after.next != before.next {
            let execution = next(thing).map {
                $0.executionJSON(document: JobDocumentPresigner.presign($0.document, presign).0)
            }
            messages.append(
                IoTMessage(
                    topic: "$aws/things/\(thing)/jobs/notify-next",
                    json: .members(["timestamp": .int(now), "execution": execution])))
        }
        return messages
    }

    private static func list(_ executions: [JobExecution]) -> IoTJSON? {
        executions.isEmpty ? nil : .array(executions.map(\.summaryJSON))
    }
}
