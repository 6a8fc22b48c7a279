/// Why a `$share/` filter is not a valid shared subscription, as one sentence that cites the spec's rule.
struct SharedFilterError: Error, Sendable, Hashable {
    let message: String

    init(_ message: String) {
        self.message = message
    }
}
