import Foundation

/// How `ca/events.jsonl` is kept from growing without bound (`events: { max_size: 10MiB, keep: 5 }` in
/// lab.yaml): when the next event would take it past ``maxSize``, it becomes `events.jsonl.1`, the older
/// `events.jsonl.N` move up by one, the oldest beyond ``keep`` is deleted, and a new `events.jsonl` starts.
/// At most `maxSize × (keep + 1)` bytes of events are kept. `pkilab events` reads the rotated files in order.
public struct EventRotation: Sendable, Hashable {
    /// The size in bytes at which the current file is rotated.
    public var maxSize: Int
    /// How many rotated files are kept (0: the log starts afresh, keeping nothing).
    public var keep: Int

    public static let standard = EventRotation(maxSize: 10 << 20, keep: 5)
    /// The smallest `max_size` lab.yaml accepts (a few events).
    public static let minimumSize = 1024
    public static let maximumKeep = 1000

    public init(maxSize: Int, keep: Int) {
        self.maxSize = maxSize
        self.keep = keep
    }

    /// `events.jsonl.N`.
    public static func rotatedPath(_ path: String, _ number: Int) -> String { "\(path).\(number)" }

    /// The event files at `path`, oldest first: the rotated `path.N` (highest N first), then `path` itself;
    /// only those that exist.
    public static func files(at path: String) -> [String] {
        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
        let rotated = entries.compactMap { entry -> Int? in
            guard entry.hasPrefix(name + "."), let number = Int(entry.dropFirst(name.count + 1)), number > 0 else { return nil }
            return number
        }
        var files = rotated.sorted(by: >).map { rotatedPath(path, $0) }
        if FileManager.default.fileExists(atPath: path) { files.append(path) }
        return files
    }

    /// Reads `10MiB`, `512KiB`, `1MB`, `2GiB` or a number of bytes; nil if it is none of these.
    public static func parseSize(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let number = Int(digits) else { return nil }
        let units: [String: Int] = ["": 1, "b": 1, "k": 1024, "kib": 1024, "kb": 1000, "m": 1 << 20, "mib": 1 << 20, "mb": 1_000_000,
                                    "g": 1 << 30, "gib": 1 << 30, "gb": 1_000_000_000]
        let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).lowercased()
        guard let factor = units[unit] else { return nil }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: factor)
        return overflow ? nil : bytes
    }
}
