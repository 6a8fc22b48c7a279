/// Why `pkilab job create` cannot queue a job, as a sentence that says what to change.
public struct JobsError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
