/// An update request's payload, checked the way the Device Shadow service checks it:
/// `{"state": {"desired": {…}, "reported": {…}}, "clientToken": "…", "version": N}`.
struct ShadowUpdateRequest: Sendable, Hashable {
    /// The `state` node as sent (nulls included: they delete).
    var state: [String: IoTJSON]
    var clientToken: String?
    var version: Int64?

    /// Deepest nesting of objects and arrays the service accepts, `state` counting as level 1 (so `desired` is 2).
    static let maximumDepth = 6
    /// Largest desired + reported the service keeps, in bytes of compact JSON (metadata excluded).
    static let maximumStateSize = 8192

    /// The request's `clientToken`, when the payload is a JSON object with a valid one: replies echo it even when the
    /// request is refused for another reason.
    static func clientToken(in payload: [UInt8]) -> String? {
        guard let json = try? IoTJSONParser.parse(payload), let token = json["clientToken"]?.stringValue,
            token.utf8.count <= 64
        else { return nil }
        return token
    }

    /// Checks `payload`, in the order IoT Core reports problems: encoding, JSON, clientToken, version, state.
    init(payload: [UInt8]) throws(ShadowRejection) {
        let json: IoTJSON
        do {
            json = try IoTJSONParser.parse(payload)
        } catch .notUTF8 {
            throw .notUTF8
        } catch {
            throw .invalidJSON
        }
        guard case .object(let members) = json else { throw .invalidJSON }
        if let token = members["clientToken"] {
            guard let text = token.stringValue, text.utf8.count <= 64 else { throw .invalidClientToken }
            clientToken = text
        }
        if let version = members["version"] {
            guard let number = version.integerValue, number >= 0 else { throw .invalidVersion }
            self.version = number
        }
        guard let state = members["state"] else { throw .missingState }
        guard case .object(let sections) = state else { throw .stateNotObject }
        for key in sections.keys.sorted() where key != "desired" && key != "reported" {
            throw .invalidNode(key)
        }
        if let desired = sections["desired"], !desired.isNull, desired.objectValue == nil {
            throw .desiredNotObject
        }
        if let reported = sections["reported"], !reported.isNull, reported.objectValue == nil {
            throw .reportedNotObject
        }
        guard ShadowStateAlgebra.depth(state) <= Self.maximumDepth else { throw .tooDeep }
        guard !ShadowStateAlgebra.hasNullInArray(state) else { throw .invalidJSON }
        self.state = sections
    }
}
