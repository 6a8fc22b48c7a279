import Foundation

/// How the store's JSON files (`index.json`, `crl/revocations.json`, `zoo/zoo.json`) are written and read:
/// pretty, sorted keys, ISO 8601 dates, a final newline — so a change shows as a small diff.
enum StoreJSON {
    static func encoded(_ value: some Encodable) -> [UInt8] {
        // Encoding plain values cannot fail.
        Array((try? LabJSON.encoder(pretty: true).encode(value)) ?? Data()) + [0x0A]
    }

    /// The value in `path`; nil when there is no such file. A file that does not decode throws `damaged`'s error.
    static func load<T: Decodable>(_ type: T.Type, from path: String, damaged: (any Error) -> StoreError) throws(StoreError) -> T? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            return try LabJSON.decoder().decode(type, from: data)
        } catch {
            throw damaged(error)
        }
    }
}
