import AWSIoT
import Testing

@Suite("Reserved topics: which requests they are, and which a device may not publish to")
struct IoTReservedTopicTests {
    @Test("shadow and jobs request topics")
    func requests() {
        let thing = "device-001"
        #expect(IoTReservedTopic(requestTopic: "$aws/things/device-001/shadow/get") == .shadow(.init(thing: thing), .get))
        #expect(IoTReservedTopic(requestTopic: "$aws/things/device-001/shadow/update") == .shadow(.init(thing: thing), .update))
        #expect(IoTReservedTopic(requestTopic: "$aws/things/device-001/shadow/name/cfg$1:x/delete")
            == .shadow(.init(thing: thing, shadow: "cfg$1:x"), .delete))
        #expect(IoTReservedTopic(requestTopic: "$aws/things/device-001/jobs/get") == .jobs(thing: thing, .get))
        #expect(IoTReservedTopic(requestTopic: "$aws/things/device-001/jobs/start-next") == .jobs(thing: thing, .startNext))
        #expect(IoTReservedTopic(requestTopic: "$aws/things/device-001/jobs/$next/get") == .jobs(thing: thing, .describe(jobID: "$next")))
        #expect(IoTReservedTopic(requestTopic: "$aws/things/device-001/jobs/ota-7/get") == .jobs(thing: thing, .describe(jobID: "ota-7")))
        #expect(IoTReservedTopic(requestTopic: "$aws/things/device-001/jobs/ota-7/update") == .jobs(thing: thing, .update(jobID: "ota-7")))
    }

    @Test("not requests", arguments: [
        "$aws/things/device-001/shadow/get/accepted", "$aws/things/device-001/shadow/update/delta",
        "$aws/things/device-001/shadow/name//get", "$aws/things/device-001/shadow/name/a b/get",
        "$aws/things/device-001/shadow/name/\(String(repeating: "n", count: 65))/get",
        "$aws/things/dev+1/shadow/get", "$aws/things/device-001/shadow/list", "$aws/things/device-001/jobs/notify",
        "$aws/things/device-001/jobs/$next/update", "$aws/things/device-001/jobs/a.b/get", "device-001/shadow/get",
        "$aws/events/presence/connected/x",
    ])
    func notRequests(_ topic: String) {
        #expect(IoTReservedTopic(requestTopic: topic) == nil)
    }

    @Test("reply and event topics", arguments: [
        "$aws/things/d/shadow/get/accepted", "$aws/things/d/shadow/name/n/update/rejected",
        "$aws/things/d/shadow/update/delta", "$aws/things/d/shadow/name/n/update/documents",
        "$aws/things/d/jobs/notify", "$aws/things/d/jobs/notify-next", "$aws/things/d/jobs/j1/update/accepted",
        "$aws/things/d/jobs/start-next/rejected", "$aws/events/presence/connected/c1",
    ])
    func replies(_ topic: String) {
        #expect(IoTReservedTopic.isResponseOrEventTopic(topic))
        #expect(IoTReservedTopic.isReserved(topic))
    }

    @Test("requests and plain topics are not reply topics", arguments: [
        "$aws/things/d/shadow/update", "$aws/things/d/jobs/get", "sensors/d/accepted", "$aws/rules/r1",
    ])
    func notReplies(_ topic: String) {
        #expect(!IoTReservedTopic.isResponseOrEventTopic(topic))
    }
}
