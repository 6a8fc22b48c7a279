/// A strict RFC 8259 parser for the payloads devices publish: one value, optional whitespace around it, nothing else.
/// Invalid UTF-8 is told apart from invalid JSON because the Device Shadow service answers them differently
/// (415 and 400). The text is read by ``IoTJSONReader`` (the reader policy documents use, under its payload
/// ``IoTJSONReader/Rules``) and its values made ``IoTJSON``.
public struct IoTJSONParser {
    /// Why a payload is not a JSON value.
    public enum Failure: Error, Sendable, Hashable {
        /// The bytes are not UTF-8.
        case notUTF8
        /// The text is not one JSON value (or nests deeper than ``maximumDepth``).
        case invalidJSON
    }

    /// Containers nested deeper than this are refused as invalid JSON, so a hostile payload cannot exhaust the stack.
    public static let maximumDepth = 128

    private init() {}

    /// Parses `bytes` as one JSON value. UTF-8 is checked first, so bytes that are neither UTF-8 nor JSON are
    /// ``Failure/notUTF8``.
    public static func parse(_ bytes: [UInt8]) throws(Failure) -> IoTJSON {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .notUTF8 }
        let root: IoTJSONNode
        do {
            root = try IoTJSONReader.read(text, rules: .payload)
        } catch {
            throw .invalidJSON
        }
        return try value(root)
    }

    /// `node` as ``IoTJSON``: objects keep the last value of a repeated key.
    private static func value(_ node: IoTJSONNode) throws(Failure) -> IoTJSON {
        switch node.kind {
        case .null: return .null
        case .bool(let value): return .bool(value)
        case .string(let text): return .string(text)
        case .number(let text): return try number(text)
        case .array(let elements):
            var values: [IoTJSON] = []
            values.reserveCapacity(elements.count)
            for element in elements { values.append(try value(element)) }
            return .array(values)
        case .object(let members):
            var values: [String: IoTJSON] = [:]
            for member in members { values[member.key] = try value(member.value) }
            return .object(values)
        }
    }

    /// A number as the reader checked it: without a fraction or exponent and within `Int64`, an integer; otherwise a
    /// `Double`, refused when it overflows to infinity.
    private static func number(_ text: String) throws(Failure) -> IoTJSON {
        let isInteger = !text.unicodeScalars.contains { $0 == "." || $0 == "e" || $0 == "E" }
        if isInteger, let value = Int64(text) { return .int(value) }
        guard let value = Double(text), value.isFinite else { throw .invalidJSON }
        return .double(value)
    }
}
