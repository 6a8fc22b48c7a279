import Foundation

/// The one way pkilab writes JSON: keys sorted, slashes as they are, dates in ISO 8601. Files people read and
/// diff (`index.json`, `pkilab … --json`, `/whoami`) are pretty; lines (`events.jsonl`, `endpoints.json`,
/// `pkilab up --json`) are compact.
public enum LabJSON {
    /// A new encoder with pkilab's settings; `pretty` adds indentation and line breaks.
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    /// A new decoder that reads what ``encoder(pretty:)`` writes.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// `value` as UTF-8 JSON text; `"{}"` for the (for pkilab's plain values impossible) case that it does not encode.
    public static func text(_ value: some Encodable, pretty: Bool = false) -> String {
        (try? encoder(pretty: pretty).encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
