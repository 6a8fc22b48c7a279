/// A JSON value as the Device Shadow and Jobs services see it: objects are unordered (they print with sorted keys, so
/// output is deterministic), integers and fractions are kept apart so `12` prints as `12`, and numbers compare by
/// value (`1 == 1.0`), as the shadow's delta does.
public enum IoTJSON: Sendable, Hashable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([IoTJSON])
    case object([String: IoTJSON])

    /// The members, when this is an object.
    public var objectValue: [String: IoTJSON]? {
        if case .object(let members) = self { members } else { nil }
    }

    /// The text, when this is a string.
    public var stringValue: String? {
        if case .string(let text) = self { text } else { nil }
    }

    /// The value as an integer, when this is a number without a fraction that fits in 64 bits.
    public var integerValue: Int64? {
        switch self {
        case .int(let value): value
        case .double(let value) where value.rounded() == value && abs(value) < 9.2e18: Int64(value)
        default: nil
        }
    }

    /// The value as a Boolean, when this is `true` or `false`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { value } else { nil }
    }

    public var isNull: Bool { self == .null }

    /// The member `key`, when this is an object that has it.
    public subscript(key: String) -> IoTJSON? {
        objectValue?[key]
    }

    /// The compact encoding, keys sorted.
    public var description: String { String(decoding: encoded(), as: UTF8.self) }

    // MARK: Equality by value

    public static func == (lhs: IoTJSON, rhs: IoTJSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.double(let a), .double(let b)): a == b
        case (.int(let a), .double(let b)), (.double(let b), .int(let a)): Double(a) == b && b.rounded() == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a == b
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let value): hasher.combine(value)
        case .int(let value): hasher.combine(Double(value))
        case .double(let value): hasher.combine(value)
        case .string(let value): hasher.combine(value)
        case .array(let value): hasher.combine(value)
        case .object(let value): hasher.combine(value)
        }
    }

    // MARK: Codable, as plain JSON

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([IoTJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: IoTJSON].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
