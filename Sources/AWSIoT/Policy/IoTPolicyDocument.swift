/// An AWS IoT policy document, read and validated the way CreatePolicy validates one on upload.
///
/// ```json
/// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iot:Connect",
///   "Resource": "arn:aws:iot:us-east-1:123456789012:client/${iot:Connection.Thing.ThingName}"}]}
/// ```
///
/// Parsing refuses, each time with the file, line and column of the offending token: malformed JSON, a document over
/// 2048 characters not counting whitespace, unknown top-level or statement keys, a `Version` other than
/// `2012-10-17`/`2008-10-17`, a statement without `Effect`, with both or neither of `Action`/`NotAction` or
/// `Resource`/`NotResource`, an action that is not an AWS IoT action, a resource that is neither `*` nor an ARN,
/// and an unknown condition operator.
public struct IoTPolicyDocument: Sendable, Hashable {
    /// The policy's name, for messages (AWS's policy name; pkilab uses the lab's name for it).
    public var name: String
    /// The file the policy came from, for messages.
    public var file: String
    /// `Version`, or nil when the document has none (IAM then reads it as `2008-10-17`).
    public var version: String?
    /// `Id`, if present.
    public var id: String?
    /// The statements in document order (a single statement object becomes a one-element array).
    public var statements: [IoTPolicyStatement]
    /// What AWS accepts but almost certainly does not do what was meant, each at its token (same format as errors):
    /// `+`/`#` in an ARN, a `topic/` ARN for iot:Subscribe or `topicfilter/` for publish-side actions, an unknown
    /// policy variable or condition key, variables under a `Version` that does not substitute them. Empty for a
    /// document built in code.
    public var warnings: [IoTPolicyError] = []

    /// The most characters a policy may have, not counting whitespace (AWS IoT's quota).
    public static let maximumSize = 2048

    /// The versions CreatePolicy accepts.
    public static let versions = ["2012-10-17", "2008-10-17"]

    /// Whether `${…}` policy variables are substituted: only under `Version` `2012-10-17`. Under `2008-10-17`, or with
    /// no `Version`, IAM reads `${…}` as literal text.
    public var substitutesVariables: Bool { version == "2012-10-17" }

    /// Reads and validates `text`; `name` and `file` appear in errors and in decisions' explanations.
    public init(parsing text: String, name: String, file: String) throws(IoTPolicyError) {
        self = try PolicyDocumentParser(name: name, file: file).parse(text)
    }

    /// A document built in code (tests, generated policies); nothing is validated.
    public init(name: String, file: String, version: String? = "2012-10-17", id: String? = nil, statements: [IoTPolicyStatement]) {
        self.name = name
        self.file = file
        self.version = version
        self.id = id
        self.statements = statements
    }

    /// The number of characters of `text` that count against ``maximumSize``: all but JSON whitespace.
    public static func size(of text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + (isWhitespace($1) ? 0 : 1) }
    }

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r"
    }
}
