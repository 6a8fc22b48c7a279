/// A JSON value as ``IoTJSONReader`` read it, with the 1-based line and column where it starts, so validation
/// errors can point at the offending token. Object members keep their order and duplicates (the policy parser
/// reports a repeated key; ``IoTJSONParser`` keeps the last value).
struct IoTJSONNode: Sendable, Hashable {
    /// What the value is.
    indirect enum Kind: Sendable, Hashable {
        case string(String)
        /// A number, as written (policies compare numbers as text or parse them when a condition needs to;
        /// ``IoTJSONParser`` makes it an `Int64` or a `Double`).
        case number(String)
        case bool(Bool)
        case null
        case array([IoTJSONNode])
        case object([Member])
    }

    /// One `"key": value` pair of an object, with the position of the key.
    struct Member: Sendable, Hashable {
        var key: String
        var line: Int
        var column: Int
        var value: IoTJSONNode
    }

    var kind: Kind
    var line: Int
    var column: Int

    /// The JSON type's name as messages use it: "a string", "an object", ….
    var typeName: String {
        switch kind {
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// The string, or nil if the value is not a string.
    var string: String? {
        if case .string(let value) = kind { return value }
        return nil
    }
}
