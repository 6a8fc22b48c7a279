/// Why a policy document was refused, at the token that caused it: a JSON syntax error where the text breaks, or a
/// CreatePolicy-style validation error at the offending key or value.
public struct IoTPolicyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The policy's file, as given to ``IoTPolicyDocument/init(parsing:name:file:)``.
    public var file: String
    /// 1-based line of the offending token.
    public var line: Int
    /// 1-based column (in characters) of the offending token.
    public var column: Int
    /// What is wrong, one clause without a trailing period ("unknown key \"Efect\" in statement 1").
    public var message: String
    /// How to fix it, if there is something specific to say ("did you mean \"Effect\"?").
    public var hint: String?

    public init(file: String, line: Int, column: Int, message: String, hint: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.hint = hint
    }

    /// `FILE:LINE:COL: message`, and the hint on a second line starting with `  hint: ` when there is one.
    public var description: String {
        let first = "\(file):\(line):\(column): \(message)"
        guard let hint else { return first }
        return first + "\n  hint: " + hint
    }
}
