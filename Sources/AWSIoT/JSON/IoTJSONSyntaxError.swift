/// Where and why ``IoTJSONReader`` found a text not to be one JSON value. The policy parser turns it into an
/// ``IoTPolicyError`` ("invalid JSON: " + message, at the position); ``IoTJSONParser`` only tells that it happened.
struct IoTJSONSyntaxError: Error, Sendable, Hashable {
    /// 1-based line, split at LF.
    var line: Int
    /// 1-based column, in Unicode scalars.
    var column: Int
    /// What is wrong, one clause without the "invalid JSON: " prefix ("a trailing comma before \"]\"").
    var message: String
    /// How to fix it, if there is something specific to say.
    var hint: String?
}
