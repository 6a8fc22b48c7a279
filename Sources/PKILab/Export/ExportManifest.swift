import Crypto
import Foundation

/// `.pkilab-export.json` in an export folder: the files pkilab wrote there, each with the SHA-256 of what it
/// wrote. A file that exists and is not listed with its current digest was made or edited by someone else, and
/// `pkilab export` does not overwrite it without `--force`.
struct ExportManifest: Codable, Equatable {
    /// The manifest's file name inside the export folder.
    static let fileName = ".pkilab-export.json"

    /// Relative path → lower-case hex SHA-256 of the bytes pkilab last wrote there.
    var files: [String: String] = [:]

    /// The manifest of `folder`, or nil when there is none (or it does not parse).
    static func read(folder: String) -> ExportManifest? {
        guard let data = FileManager.default.contents(atPath: "\(folder)/\(fileName)") else { return nil }
        return try? JSONDecoder().decode(ExportManifest.self, from: data)
    }

    static func digest(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).lowercaseHex
    }

    /// Whether pkilab wrote exactly `bytes` at `path` last time.
    func wrote(_ bytes: [UInt8], at path: String) -> Bool {
        files[path] == Self.digest(bytes)
    }

    var bytes: [UInt8] {
        Array(LabJSON.text(self, pretty: true).utf8) + [0x0A]
    }
}
