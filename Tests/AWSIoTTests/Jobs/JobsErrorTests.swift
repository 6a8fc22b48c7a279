import AWSIoT
import Testing

@Suite("Jobs rejections and job creation errors")
struct JobsErrorTests {
    let t: Int64 = 1_700_000_000

    func store(with jobs: String...) throws -> JobsStore {
        var store = JobsStore()
        for (offset, job) in jobs.enumerated() {
            _ = try store.create(jobID: job, thing: "device-001", document: Array("{}".utf8), now: t + Int64(offset))
        }
        return store
    }

    func send(_ store: inout JobsStore, _ request: JobsRequest, _ text: String, at now: Int64 = 1_700_000_100) -> JobsOutcome {
        store.handle(thing: "device-001", request, payload: Array(text.utf8), now: now, presign: { _ in nil })
    }

    @Test("a terminal execution cannot change: InvalidStateTransition with its state")
    func terminal() throws {
        var store = try store(with: "j1")
        _ = send(&store, .update(jobID: "j1"), #"{"status":"SUCCEEDED"}"#)
        let outcome = send(&store, .update(jobID: "j1"), #"{"status":"IN_PROGRESS","clientToken":"c"}"#)
        #expect(outcome.replies.map(\.topic) == ["$aws/things/device-001/jobs/j1/update/rejected"])
        let reply = outcome.replies[0].json
        #expect(reply["code"] == .string("InvalidStateTransition"))
        #expect(reply["clientToken"] == .string("c"))
        #expect(reply["executionState"] == json(#"{"status":"SUCCEEDED","versionNumber":2}"#))
        #expect(reply["timestamp"] == .int(1_700_000_100))
        #expect(!outcome.changed && outcome.notifications.isEmpty)
    }

    @Test("a stale expectedVersion: VersionMismatch with the current state")
    func versionMismatch() throws {
        var store = try store(with: "j1")
        let outcome = send(&store, .update(jobID: "j1"), #"{"status":"IN_PROGRESS","expectedVersion":7}"#)
        #expect(outcome.replies[0].json["code"] == .string("VersionMismatch"))
        #expect(outcome.replies[0].json["executionState"] == json(#"{"status":"QUEUED","versionNumber":1}"#))
        #expect(store.executions(of: "device-001")[0].status == .queued)
    }

    @Test("bad requests", arguments: [
        (JobsRequest.update(jobID: "nope"), #"{"status":"SUCCEEDED"}"#, "ResourceNotFound"),
        (.describe(jobID: "nope"), "", "ResourceNotFound"),
        (.update(jobID: "j1"), #"{"status":"SUCCEEDED","executionNumber":2}"#, "ResourceNotFound"),
        (.update(jobID: "j1"), "{", "InvalidJson"),
        (.get, "[]", "InvalidJson"),
        (.update(jobID: "j1"), "{}", "InvalidRequest"),
        (.update(jobID: "j1"), #"{"status":"QUEUED"}"#, "InvalidRequest"),
        (.update(jobID: "j1"), #"{"status":"DONE"}"#, "InvalidRequest"),
        (.update(jobID: "j1"), #"{"status":"FAILED","statusDetails":{"n":1}}"#, "InvalidRequest"),
        (.startNext, #"{"stepTimeoutInMinutes":0}"#, "InvalidRequest"),
        (.get, #"{"clientToken":5}"#, "InvalidRequest"),
    ])
    func badRequests(_ request: JobsRequest, _ payload: String, _ code: String) throws {
        var store = try store(with: "j1")
        let outcome = send(&store, request, payload)
        #expect(outcome.replies.count == 1)
        #expect(outcome.replies[0].topic.hasSuffix("/rejected"))
        #expect(outcome.replies[0].json["code"] == .string(code))
        #expect(outcome.replies[0].json["message"]?.stringValue?.isEmpty == false)
        #expect(!outcome.changed)
    }

    @Test("create refuses what AWS would", arguments: [
        ("j1", "device-001", "{}", "already has a job \"j1\""),
        ("bad id", "device-001", "{}", "the job id \"bad id\""),
        ("j2", "dev/1", "{}", "the thing name holds \"/\""),
        ("j2", "device-001", "[1]", "must be a JSON object"),
        ("j2", "device-001", "{", "not valid JSON"),
    ])
    func createErrors(_ jobID: String, _ thing: String, _ document: String, _ message: String) throws {
        var store = try store(with: "j1")
        #expect(throws: JobsError.self) {
            try store.create(jobID: jobID, thing: thing, document: Array(document.utf8), now: t)
        }
        do {
            _ = try store.create(jobID: jobID, thing: thing, document: Array(document.utf8), now: t)
        } catch {
            #expect(error.message.contains(message))
        }
    }

    @Test("documents over 32 KB are refused")
    func documentSize() {
        var store = JobsStore()
        let big = #"{"x":""# + String(repeating: "a", count: 32 * 1024) + #""}"#
        #expect(throws: JobsError.self) { try store.create(jobID: "big", thing: "d", document: Array(big.utf8), now: 1) }
    }
}

@Suite("Cancelling a job execution from the lab")
struct JobsCancelTests {
    @Test("a pending execution becomes CANCELED and leaves the pending list; a second cancel is refused")
    func cancel() throws {
        var store = JobsStore()
        _ = try store.create(jobID: "j1", thing: "device-001", document: Array("{}".utf8), now: 1)
        let messages = try store.cancel(jobID: "j1", thing: "device-001", now: 2)
        #expect(messages.map(\.topic) == ["$aws/things/device-001/jobs/notify", "$aws/things/device-001/jobs/notify-next"])
        #expect(store.executions(of: "device-001")[0].status == .canceled)
        #expect(throws: JobsError.self) { try store.cancel(jobID: "j1", thing: "device-001", now: 3) }
        #expect(throws: JobsError.self) { try store.cancel(jobID: "nope", thing: "device-001", now: 3) }
    }
}
