import AWSIoT
import Testing

@Suite("Shadow updates as AWS's example flows run them")
struct ShadowUpdateFlowTests {
    let t: Int64 = 1_700_000_000
    let prefix = "$aws/things/device-001/shadow"

    @Test("desired on a new shadow: accepted, delta, documents with previous null")
    func desiredOnNewShadow() {
        var store = ShadowStore()
        let outcome = store.send(.update, #"{"state":{"desired":{"color":{"r":10},"engine":"ON"}},"clientToken":"c1"}"#)
        #expect(outcome.errorCode == nil && outcome.changed)
        #expect(outcome.messages.map(\.topic) == ["\(prefix)/update/accepted", "\(prefix)/update/delta", "\(prefix)/update/documents"])
        #expect(outcome.messages[0].json == json("""
            {"state":{"desired":{"color":{"r":10},"engine":"ON"}},
             "metadata":{"desired":{"color":{"r":{"timestamp":\(t)}},"engine":{"timestamp":\(t)}}},
             "version":1,"timestamp":\(t),"clientToken":"c1"}
            """))
        #expect(outcome.messages[1].json == json("""
            {"state":{"color":{"r":10},"engine":"ON"},
             "metadata":{"color":{"r":{"timestamp":\(t)}},"engine":{"timestamp":\(t)}},
             "version":1,"timestamp":\(t),"clientToken":"c1"}
            """))
        #expect(outcome.messages[2].json == json("""
            {"previous":null,
             "current":{"state":{"desired":{"color":{"r":10},"engine":"ON"}},
                        "metadata":{"desired":{"color":{"r":{"timestamp":\(t)}},"engine":{"timestamp":\(t)}}},"version":1},
             "timestamp":\(t),"clientToken":"c1"}
            """))
        #expect(outcome.summary == #"shadow of device-001 updated to version 1; delta: {"color":{"r":10},"engine":"ON"}"#)
    }

    @Test("reported catches up: no delta; documents carry previous and current")
    func reportedCatchesUp() {
        var store = ShadowStore()
        _ = store.send(.update, #"{"state":{"desired":{"color":{"r":10},"engine":"ON"}}}"#)
        let outcome = store.send(.update, #"{"state":{"reported":{"color":{"r":10.0},"engine":"ON"}}}"#, at: t + 5)
        #expect(outcome.messages.map(\.topic) == ["\(prefix)/update/accepted", "\(prefix)/update/documents"])
        let documents = outcome.messages[1].json
        #expect(documents["previous"]?["version"] == .int(1))
        #expect(documents["current"]?["version"] == .int(2))
        #expect(documents["current"]?["state"]?["reported"] == json(#"{"color":{"r":10},"engine":"ON"}"#))
        #expect(documents["clientToken"] == nil)
        #expect(outcome.summary.hasSuffix("updated to version 2; no delta"))
    }

    @Test("a partial report leaves the rest in the delta, with the desired metadata")
    func partialReport() {
        var store = ShadowStore()
        _ = store.send(.update, #"{"state":{"desired":{"color":{"r":10,"g":5},"engine":"ON"},"reported":{"x":1}}}"#)
        let outcome = store.send(.update, #"{"state":{"reported":{"color":{"r":10,"g":4}}}}"#, at: t + 9)
        let delta = outcome.messages[1]
        #expect(delta.topic == "\(prefix)/update/delta")
        #expect(delta.json == json("""
            {"state":{"color":{"g":5},"engine":"ON"},"metadata":{"color":{"g":{"timestamp":\(t)}},"engine":{"timestamp":\(t)}},
             "version":2,"timestamp":\(t + 9)}
            """))
    }

    @Test("get shows state, delta, metadata, version; the clientToken is echoed")
    func getShowsDelta() {
        var store = ShadowStore()
        _ = store.send(.update, #"{"state":{"desired":{"led":"on","mode":2},"reported":{"led":"off","mode":2,"temp":21}}}"#)
        let outcome = store.send(.get, #"{"clientToken":"g-1"}"#, at: t + 1)
        #expect(outcome.messages.map(\.topic) == ["\(prefix)/get/accepted"])
        #expect(outcome.messages[0].json == json("""
            {"state":{"desired":{"led":"on","mode":2},"reported":{"led":"off","mode":2,"temp":21},"delta":{"led":"on"}},
             "metadata":{"desired":{"led":{"timestamp":\(t)},"mode":{"timestamp":\(t)}},
                         "reported":{"led":{"timestamp":\(t)},"mode":{"timestamp":\(t)},"temp":{"timestamp":\(t)}}},
             "version":1,"timestamp":\(t + 1),"clientToken":"g-1"}
            """))
        #expect(!outcome.changed)
        #expect(store.send(.get, "").messages[0].json["clientToken"] == nil)
        #expect(store.document(.init(thing: "device-001"), now: t) != nil)
    }

    @Test("null deletes a field, and a whole section; the accepted metadata stamps the deletions")
    func nullDeletes() {
        var store = ShadowStore()
        _ = store.send(.update, #"{"state":{"desired":{"engine":"ON","color":"red"},"reported":{"engine":"OFF"}}}"#)
        let outcome = store.send(.update, #"{"state":{"desired":{"engine":null}}}"#, at: t + 2)
        #expect(outcome.messages[0].json["metadata"] == json(#"{"desired":{"engine":{"timestamp":\#(t + 2)}}}"#))
        var get = store.send(.get, "")
        #expect(get.messages[0].json["state"] == json(#"{"desired":{"color":"red"},"reported":{"engine":"OFF"},"delta":{"color":"red"}}"#))
        _ = store.send(.update, #"{"state":{"desired":null,"reported":{"color":"red"}}}"#)
        get = store.send(.get, "")
        #expect(get.messages[0].json["state"] == json(#"{"reported":{"engine":"OFF","color":"red"}}"#))
        #expect(get.messages[0].json["metadata"]?["desired"] == nil)
        #expect(get.messages[0].json["version"] == .int(3))
    }

    @Test("arrays replace whole; their metadata has one entry per element")
    func arraysReplace() {
        var store = ShadowStore()
        _ = store.send(.update, #"{"state":{"desired":{"colors":["RED","GREEN","BLUE"]}}}"#)
        let outcome = store.send(.update, #"{"state":{"desired":{"colors":["BLUE"]}}}"#, at: t + 3)
        #expect(outcome.messages[0].json["metadata"] == json(#"{"desired":{"colors":[{"timestamp":\#(t + 3)}]}}"#))
        let get = store.send(.get, "")
        #expect(get.messages[0].json["state"]?["desired"] == json(#"{"colors":["BLUE"]}"#))
    }

    @Test("optimistic locking: the current version is accepted, a stale one gets 409")
    func versionConflict() {
        var store = ShadowStore()
        _ = store.send(.update, #"{"state":{"desired":{"a":1}}}"#)
        _ = store.send(.update, #"{"state":{"desired":{"a":2}}}"#)
        let stale = store.send(.update, #"{"state":{"desired":{"a":3}},"version":1,"clientToken":"426bfd96"}"#, at: t + 4)
        #expect(stale.errorCode == 409 && !stale.changed)
        #expect(stale.messages.map(\.topic) == ["\(prefix)/update/rejected"])
        #expect(stale.messages[0].json == json(#"{"code":409,"message":"Version conflict","timestamp":\#(t + 4),"clientToken":"426bfd96"}"#))
        #expect(stale.summary == "shadow update of device-001 rejected: 409 Version conflict (sent version 1, current 2)")
        let current = store.send(.update, #"{"state":{"desired":{"a":3}},"version":2}"#)
        #expect(current.errorCode == nil)
        #expect(current.messages[0].json["version"] == .int(3))
    }

    @Test("named shadows live apart from the classic one, on their own topics")
    func namedShadow() {
        var store = ShadowStore()
        let named = ShadowRequest.Target(thing: "device-001", shadow: "config")
        let outcome = store.send(.update, #"{"state":{"reported":{"fw":"1.2"}}}"#, to: named)
        #expect(outcome.messages.map(\.topic) == [
            "$aws/things/device-001/shadow/name/config/update/accepted",
            "$aws/things/device-001/shadow/name/config/update/documents",
        ])
        #expect(outcome.summary == #"shadow "config" of device-001 updated to version 1; no delta"#)
        let classic = store.send(.get, "")
        #expect(classic.errorCode == 404)
        #expect(classic.messages[0].json["message"] == .string("No shadow exists with name: 'device-001'"))
        #expect(store.names(of: "device-001") == ["config"])
        _ = store.send(.update, #"{"state":{"reported":{"on":true}}}"#)
        #expect(store.names(of: "device-001") == [nil, "config"])
        let missing = store.send(.get, "", to: .init(thing: "device-001", shadow: "other"))
        #expect(missing.messages[0].topic == "$aws/things/device-001/shadow/name/other/get/rejected")
        #expect(missing.messages[0].json["message"] == .string("No shadow exists with name: 'other'"))
    }

    @Test("delete answers with version and timestamp; a re-created shadow continues the count")
    func deleteAndRecreate() {
        var store = ShadowStore()
        for value in 1...4 { _ = store.send(.update, #"{"state":{"reported":{"n":\#(value)}}}"#) }
        let deleted = store.send(.delete, #"{"clientToken":"d"}"#, at: t + 10)
        #expect(deleted.messages.map(\.topic) == ["\(prefix)/delete/accepted"])
        #expect(deleted.messages[0].json == json(#"{"version":4,"timestamp":\#(t + 10),"clientToken":"d"}"#))
        #expect(store.send(.get, "").errorCode == 404)
        #expect(store.send(.delete, "").errorCode == 404)
        #expect(store.names(of: "device-001").isEmpty)
        let again = store.send(.update, #"{"state":{"reported":{"n":1}}}"#, at: t + 20)
        #expect(again.messages[0].json["version"] == .int(5))
        #expect(again.messages.last?.json["previous"] == .null)
        _ = store.send(.delete, "", at: t + 30)
        let late = store.send(.update, #"{"state":{"reported":{"n":1}}}"#, at: t + 30 + 49 * 3600)
        #expect(late.messages[0].json["version"] == .int(1))
    }
}
