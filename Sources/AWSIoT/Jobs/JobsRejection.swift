/// Why the Jobs service refused a device's request; published on `…/rejected` as
/// `{"code", "message", "clientToken"?, "timestamp", "executionState"?}`.
struct JobsRejection: Error, Sendable, Hashable {
    var code: JobsErrorCode
    var message: String
    /// The execution's current state, sent with VersionMismatch and InvalidStateTransition so the device can resync.
    var execution: JobExecution?

    init(_ code: JobsErrorCode, _ message: String, execution: JobExecution? = nil) {
        self.code = code
        self.message = message
        self.execution = execution
    }

    func payload(timestamp: Int64, clientToken: String?) -> IoTJSON {
        .members([
            "code": .string(code.rawValue), "message": .string(message), "clientToken": clientToken.map(IoTJSON.string),
            "timestamp": .int(timestamp), "executionState": execution?.stateJSON,
        ])
    }
}
