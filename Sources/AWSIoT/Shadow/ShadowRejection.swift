/// Why the Device Shadow service refused a request: an HTTP-style code and AWS's own message, published on
/// `…/rejected` as `{"code", "message", "timestamp", "clientToken"?}`.
public struct ShadowRejection: Error, Sendable, Hashable {
    public var code: Int
    public var message: String

    public init(code: Int, message: String) {
        self.code = code
        self.message = message
    }

    public static let invalidJSON = ShadowRejection(code: 400, message: "Invalid JSON")
    public static let missingState = ShadowRejection(code: 400, message: "Missing required node: state")
    public static let stateNotObject = ShadowRejection(code: 400, message: "State node must be an object")
    public static let desiredNotObject = ShadowRejection(code: 400, message: "Desired node must be an object")
    public static let reportedNotObject = ShadowRejection(code: 400, message: "Reported node must be an object")
    public static let invalidVersion = ShadowRejection(code: 400, message: "Invalid version")
    public static let invalidClientToken = ShadowRejection(code: 400, message: "Invalid clientToken")
    public static let tooDeep = ShadowRejection(
        code: 400, message: "JSON contains too many levels of nesting; maximum is 6")
    public static let versionConflict = ShadowRejection(code: 409, message: "Version conflict")
    public static let tooLarge = ShadowRejection(code: 413, message: "The payload exceeds the maximum size allowed")
    public static let notUTF8 = ShadowRejection(
        code: 415, message: "Unsupported documented encoding; supported encoding is UTF-8")

    /// `State contains an invalid node: 'delta'`, the wording IoT Core uses for a key other than `desired` and
    /// `reported` inside `state`.
    public static func invalidNode(_ name: String) -> ShadowRejection {
        ShadowRejection(code: 400, message: "State contains an invalid node: '\(name)'")
    }

    /// `No shadow exists with name: 'device-001'`: IoT Core names the thing for a classic shadow and the shadow for a
    /// named one, in single quotes.
    public static func noShadow(_ target: ShadowRequest.Target) -> ShadowRejection {
        ShadowRejection(code: 404, message: "No shadow exists with name: '\(target.shadow ?? target.thing)'")
    }

    /// The `…/rejected` payload.
    public func payload(timestamp: Int64, clientToken: String?) -> IoTJSON {
        .members([
            "code": .int(Int64(code)), "message": .string(message), "timestamp": .int(timestamp),
            "clientToken": clientToken.map(IoTJSON.string),
        ])
    }
}
