import AWSIoT
import Testing

/// Parses JSON text for expectations (tests fail on bad fixtures).
func json(_ text: String) -> IoTJSON {
    do {
        return try IoTJSONParser.parse(Array(text.utf8))
    } catch {
        Issue.record("fixture is not JSON: \(text)")
        return .null
    }
}

extension IoTMessage {
    /// The payload parsed as JSON.
    var json: IoTJSON { (try? IoTJSONParser.parse(payload)) ?? .null }
}

extension ShadowStore {
    /// Handles a request whose payload is `text`.
    mutating func send(
        _ operation: ShadowOperation, _ text: String, to target: ShadowRequest.Target = .init(thing: "device-001"),
        at now: Int64 = 1_700_000_000
    ) -> ShadowOutcome {
        handle(target, operation, payload: Array(text.utf8), now: now)
    }
}
