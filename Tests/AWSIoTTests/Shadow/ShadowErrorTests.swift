import AWSIoT
import Testing

@Suite("Shadow rejections with AWS's codes and messages")
struct ShadowErrorTests {
    let t: Int64 = 1_700_000_000

    @Test("each malformed update gets its 400 message on update/rejected", arguments: [
        ("{", "Invalid JSON"),
        ("[1]", "Invalid JSON"),
        (#"{"version":1}"#, "Missing required node: state"),
        (#"{"state":5}"#, "State node must be an object"),
        (#"{"state":null}"#, "State node must be an object"),
        (#"{"state":{"desired":"on"}}"#, "Desired node must be an object"),
        (#"{"state":{"reported":[1]}}"#, "Reported node must be an object"),
        (#"{"state":{"delta":{"a":1}}}"#, "State contains an invalid node: 'delta'"),
        (#"{"state":{"desired":{"a":1}},"version":"3"}"#, "Invalid version"),
        (#"{"state":{"desired":{"a":1}},"version":-1}"#, "Invalid version"),
        (#"{"state":{"desired":{"a":1}},"clientToken":7}"#, "Invalid clientToken"),
        (#"{"state":{"desired":{"colors":[null,"RED"]}}}"#, "Invalid JSON"),
        (#"{"state":{"desired":{"a":{"b":{"c":{"d":{"e":{"f":1}}}}}}}}"#, "JSON contains too many levels of nesting; maximum is 6"),
    ])
    func badRequests(_ payload: String, _ message: String) {
        var store = ShadowStore()
        let outcome = store.send(.update, payload, at: t)
        #expect(outcome.errorCode == 400)
        #expect(!outcome.changed)
        #expect(outcome.messages.map(\.topic) == ["$aws/things/device-001/shadow/update/rejected"])
        #expect(outcome.messages[0].json == json(#"{"code":400,"message":"\#(message)","timestamp":\#(t)}"#))
        #expect(store.names(of: "device-001").isEmpty)
    }

    @Test("six levels counting state are accepted; an array is a level too")
    func sixLevels() {
        var store = ShadowStore()
        #expect(store.send(.update, #"{"state":{"desired":{"a":{"b":{"c":{"d":{"e":[1]}}}}}}}"#).errorCode == 400)
        #expect(store.send(.update, #"{"state":{"desired":{"a":{"b":{"c":{"d":{"e":1}}}}}}}"#).errorCode == nil)
    }

    @Test("a clientToken over 64 bytes is refused and not echoed; a valid one is echoed on errors")
    func clientTokens() {
        var store = ShadowStore()
        let long = String(repeating: "k", count: 65)
        let refused = store.send(.update, #"{"state":{"desired":{"a":1}},"clientToken":"\#(long)"}"#)
        #expect(refused.messages[0].json["message"] == .string("Invalid clientToken"))
        #expect(refused.messages[0].json["clientToken"] == nil)
        let echoed = store.send(.update, #"{"state":5,"clientToken":"\#(String(repeating: "k", count: 64))"}"#)
        #expect(echoed.messages[0].json["clientToken"]?.stringValue?.count == 64)
    }

    @Test("payloads that are not UTF-8 get 415")
    func notUTF8() {
        var store = ShadowStore()
        let outcome = store.handle(.init(thing: "device-001"), .update, payload: [0x7B, 0xFF, 0x7D], now: t)
        #expect(outcome.errorCode == 415)
        #expect(outcome.messages[0].json["message"] == .string("Unsupported documented encoding; supported encoding is UTF-8"))
    }

    @Test("desired plus reported over 8 KB gets 413 and changes nothing; exactly 8 KB passes")
    func sizeLimit() {
        var store = ShadowStore()
        // {"v":"…"} is 8 bytes plus the text.
        let fits = String(repeating: "a", count: 8192 - 8)
        #expect(store.send(.update, #"{"state":{"desired":{"v":"\#(fits)"}}}"#).errorCode == nil)
        let outcome = store.send(.update, #"{"state":{"reported":{"w":1}}}"#)
        #expect(outcome.errorCode == 413)
        #expect(outcome.messages[0].json["message"] == .string("The payload exceeds the maximum size allowed"))
        #expect(outcome.summary.contains("8199 bytes, at most 8192"))
        #expect(store.send(.get, "").messages[0].json["version"] == .int(1))
    }

    @Test("get and delete of a missing shadow: 404, clientToken echoed")
    func missing() {
        var store = ShadowStore()
        let get = store.send(.get, #"{"clientToken":"abc"}"#, at: t)
        #expect(get.messages[0].topic == "$aws/things/device-001/shadow/get/rejected")
        #expect(get.messages[0].json == json(#"{"code":404,"message":"No shadow exists with name: 'device-001'","timestamp":\#(t),"clientToken":"abc"}"#))
        let delete = store.send(.delete, "", at: t)
        #expect(delete.messages[0].topic == "$aws/things/device-001/shadow/delete/rejected")
        #expect(delete.errorCode == 404)
    }
}
