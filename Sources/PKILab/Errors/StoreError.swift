/// A problem with the certificate store (`ca/`) or with a run against it.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, Codable {
        /// A file or folder could not be written; nothing that was already there was lost.
        case cannotWrite = "cannot_write"
        /// A file could not be read or parsed.
        case cannotRead = "cannot_read"
        /// Another run held the lock for too long.
        case locked
        /// The change would replace an authority's key or subject, and `--force` was not given.
        case authorityChangeRefused = "authority_change_refused"
        /// A name or file the user asked for is not in the store.
        case notFound = "not_found"
    }

    public var code: Code
    public var message: String
    public var hint: String?

    public init(_ code: Code, _ message: String, hint: String? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
    }

    public var description: String {
        hint.map { "\(message)\n  \($0)" } ?? message
    }
}
