import AWSIoT
import Foundation
import Testing

@Suite("Jobs: create, notify, start-next, update, next")
struct JobsFlowTests {
    let t: Int64 = 1_700_000_000
    let noSigner: (String) -> String? = { _ in nil }

    func send(_ store: inout JobsStore, _ request: JobsRequest, _ text: String = "", at now: Int64) -> JobsOutcome {
        store.handle(thing: "device-001", request, payload: Array(text.utf8), now: now, presign: { _ in nil })
    }

    @Test("the whole flow, with AWS's payloads")
    func flow() throws {
        var store = JobsStore()
        let created = try store.create(jobID: "job-1", thing: "device-001", document: Array(#"{"op":"reboot"}"#.utf8), now: t)
        #expect(created.map(\.topic) == ["$aws/things/device-001/jobs/notify", "$aws/things/device-001/jobs/notify-next"])
        #expect(created[0].json == json("""
            {"timestamp":\(t),"jobs":{"QUEUED":[{"jobId":"job-1","queuedAt":\(t),"lastUpdatedAt":\(t),"versionNumber":1,"executionNumber":1}]}}
            """))
        #expect(created[1].json == json("""
            {"timestamp":\(t),"execution":{"jobId":"job-1","thingName":"device-001","jobDocument":{"op":"reboot"},"status":"QUEUED",
             "queuedAt":\(t),"lastUpdatedAt":\(t),"versionNumber":1,"executionNumber":1}}
            """))
        let second = try store.create(jobID: "job-2", thing: "device-001", document: Array(#"{"op":"log"}"#.utf8), now: t + 1)
        #expect(second.map(\.topic) == ["$aws/things/device-001/jobs/notify"])

        let started = send(&store, .startNext, #"{"statusDetails":{"step":"download"},"clientToken":"s1"}"#, at: t + 10)
        #expect(started.replies.map(\.topic) == ["$aws/things/device-001/jobs/start-next/accepted"])
        #expect(started.replies[0].json == json("""
            {"execution":{"jobId":"job-1","thingName":"device-001","jobDocument":{"op":"reboot"},"status":"IN_PROGRESS",
             "statusDetails":{"step":"download"},"queuedAt":\(t),"startedAt":\(t + 10),"lastUpdatedAt":\(t + 10),
             "versionNumber":2,"executionNumber":1},"timestamp":\(t + 10),"clientToken":"s1"}
            """))
        #expect(started.notifications.isEmpty)
        #expect(started.changed)

        let list = send(&store, .get, #"{"clientToken":"g"}"#, at: t + 11)
        #expect(list.replies[0].json == json("""
            {"inProgressJobs":[{"jobId":"job-1","queuedAt":\(t),"startedAt":\(t + 10),"lastUpdatedAt":\(t + 10),"versionNumber":2,"executionNumber":1}],
             "queuedJobs":[{"jobId":"job-2","queuedAt":\(t + 1),"lastUpdatedAt":\(t + 1),"versionNumber":1,"executionNumber":1}],
             "timestamp":\(t + 11),"clientToken":"g"}
            """))
        #expect(!list.changed)

        let done = send(&store, .update(jobID: "job-1"),
            #"{"status":"SUCCEEDED","expectedVersion":2,"includeJobExecutionState":true,"clientToken":"u1"}"#, at: t + 20)
        #expect(done.replies.map(\.topic) == ["$aws/things/device-001/jobs/job-1/update/accepted"])
        #expect(done.replies[0].json == json("""
            {"executionState":{"status":"SUCCEEDED","statusDetails":{"step":"download"},"versionNumber":3},"timestamp":\(t + 20),"clientToken":"u1"}
            """))
        #expect(done.notifications.map(\.topic) == ["$aws/things/device-001/jobs/notify", "$aws/things/device-001/jobs/notify-next"])
        #expect(done.notifications[1].json["execution"]?["jobId"] == .string("job-2"))
        #expect(done.summary == "device-001 moved job job-1 from IN_PROGRESS to SUCCEEDED (version 3)")

        let next = send(&store, .describe(jobID: "$next"), at: t + 21)
        #expect(next.replies[0].json["execution"]?["jobId"] == .string("job-2"))
        let old = send(&store, .describe(jobID: "job-1"), #"{"includeJobDocument":false}"#, at: t + 21)
        #expect(old.replies[0].json["execution"]?["status"] == .string("SUCCEEDED"))
        #expect(old.replies[0].json["execution"]?["jobDocument"] == nil)

        _ = send(&store, .update(jobID: "job-2"), #"{"status":"FAILED","statusDetails":{"reason":"disk"}}"#, at: t + 30)
        let none = send(&store, .startNext, at: t + 31)
        #expect(none.replies[0].json == json(#"{"timestamp":\#(t + 31)}"#))
        #expect(store.executions(of: "device-001").map(\.status) == [.succeeded, .failed])
    }

    @Test("the last pending job leaving sends an empty notify and a notify-next without execution")
    func emptyNotifications() throws {
        var store = JobsStore()
        _ = try store.create(jobID: "only", thing: "device-001", document: Array("{}".utf8), now: t)
        let outcome = send(&store, .update(jobID: "only"), #"{"status":"REJECTED"}"#, at: t + 5)
        #expect(outcome.replies[0].json == json(#"{"timestamp":\#(t + 5)}"#))
        #expect(outcome.notifications[0].json == json(#"{"timestamp":\#(t + 5),"jobs":{}}"#))
        #expect(outcome.notifications[1].json == json(#"{"timestamp":\#(t + 5)}"#))
    }

    @Test("a device starting a later job moves notify-next to it")
    func nextMovesToInProgress() throws {
        var store = JobsStore()
        _ = try store.create(jobID: "j1", thing: "device-001", document: Array("{}".utf8), now: t)
        _ = try store.create(jobID: "j2", thing: "device-001", document: Array("{}".utf8), now: t + 1)
        let outcome = send(&store, .update(jobID: "j2"), #"{"status":"IN_PROGRESS"}"#, at: t + 2)
        #expect(outcome.notifications.map(\.topic) == ["$aws/things/device-001/jobs/notify-next"])
        #expect(outcome.notifications[0].json["execution"]?["jobId"] == .string("j2"))
    }

    @Test("the store survives a JSON round trip")
    func coding() throws {
        var store = JobsStore()
        _ = try store.create(jobID: "j1", thing: "device-001", document: Array(#"{"a":[1,2.5,"x"]}"#.utf8), now: t)
        _ = send(&store, .startNext, #"{"statusDetails":{"k":"v"},"stepTimeoutInMinutes":5}"#, at: t + 1)
        let decoded = try JSONDecoder().decode(JobsStore.self, from: JSONEncoder().encode(store))
        #expect(decoded == store)
        #expect(decoded.executions(of: "device-001").first?.stepTimeoutInMinutes == 5)
    }
}
