import AWSIoT
import Foundation
import Testing

@Suite("The shadow store survives being saved")
struct ShadowStoreCodingTests {
    @Test("JSON round trip keeps state, metadata, versions and tombstones")
    func roundTrip() throws {
        var store = ShadowStore()
        _ = store.send(.update, #"{"state":{"desired":{"a":1.5,"b":[true,null]},"reported":{"a":1}}}"#)
        _ = store.send(.update, #"{"state":{"desired":{"a":1.5,"b":[true,"x"]},"reported":{"a":1,"s":"ü\n"}}}"#)
        _ = store.send(.update, #"{"state":{"reported":{"fw":"1"}}}"#, to: .init(thing: "device-002", shadow: "cfg"))
        _ = store.send(.delete, "", to: .init(thing: "device-002", shadow: "cfg"))
        let data = try JSONEncoder().encode(store)
        var decoded = try JSONDecoder().decode(ShadowStore.self, from: data)
        #expect(decoded == store)
        #expect(decoded.document(.init(thing: "device-001"), now: 5) == store.document(.init(thing: "device-001"), now: 5))
        let again = decoded.send(.update, #"{"state":{"reported":{"fw":"2"}}}"#, to: .init(thing: "device-002", shadow: "cfg"))
        #expect(again.messages[0].json["version"] == .int(2))
    }
}
