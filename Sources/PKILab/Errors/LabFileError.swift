/// A problem with a lab file: where it is, what is wrong, and what to do about it.
///
/// Equal by ``code`` and ``location``, so tests can assert the kind of problem and where it was found
/// while the wording stays free to improve.
public struct LabFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable identifier for the kind of problem.
    public enum Code: String, Sendable, Hashable, Codable {
        case fileNotFound = "file_not_found"
        case syntax
        case duplicateKey = "duplicate_key"
        case unknownKey = "unknown_key"
        case wrongType = "wrong_type"
        case missingKey = "missing_key"
        case invalidValue = "invalid_value"
        case invalidName = "invalid_name"
        case invalidDuration = "invalid_duration"
        case invalidDate = "invalid_date"
        case invalidKeyType = "invalid_key_type"
        case invalidRole = "invalid_role"
        case unknownIssuer = "unknown_issuer"
        case issuerCycle = "issuer_cycle"
        case nameConstraintViolation = "name_constraint_violation"
        case pathLengthExceeded = "path_length_exceeded"
        case nameClash = "name_clash"
    }

    public var code: Code
    public var location: SourceLocation
    /// What is wrong, as one sentence.
    public var message: String
    /// What to do about it.
    public var hint: String?

    public init(_ code: Code, at location: SourceLocation, _ message: String, hint: String? = nil) {
        self.code = code
        self.location = location
        self.message = message
        self.hint = hint
    }

    /// `lab.yaml:LINE:COL: key.path: what is wrong — what to do`
    public var description: String {
        var text = "\(location): \(message)"
        if let hint { text += " — \(hint)" }
        return text
    }

    public static func == (lhs: LabFileError, rhs: LabFileError) -> Bool {
        lhs.code == rhs.code && lhs.location == rhs.location
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(location)
    }
}
