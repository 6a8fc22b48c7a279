/// The `code` of a Jobs `…/rejected` reply.
public enum JobsErrorCode: String, Sendable, Hashable, CaseIterable {
    case invalidTopic = "InvalidTopic"
    case invalidJSON = "InvalidJson"
    case invalidRequest = "InvalidRequest"
    case invalidStateTransition = "InvalidStateTransition"
    case resourceNotFound = "ResourceNotFound"
    case versionMismatch = "VersionMismatch"
    case internalError = "InternalError"
    case requestThrottled = "RequestThrottled"
    case terminalStateReached = "TerminalStateReached"
}
