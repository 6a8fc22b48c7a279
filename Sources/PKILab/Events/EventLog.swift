import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends connection events as JSON lines to one or more files (`ca/events.jsonl`, `--events FILE`) and
/// hands each to a listener (the console), in the order they happen.
public final class EventLog: Sendable {
    private let descriptors: [Int32]
    private let listener: @Sendable (ConnectionEvent, String) -> Void
    /// One encoder, used under the lock (making one per event costs more than the rest of the logging).
    private let encoder = Mutex(EventLog.makeEncoder())

    /// Opens (creating, 0644, appending) every path in `paths`.
    /// - Parameter listener: gets each event and its JSON line, in order.
    public init(paths: [String], listener: @escaping @Sendable (ConnectionEvent, String) -> Void) throws(StoreError) {
        var descriptors: [Int32] = []
        for path in paths {
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                descriptors.forEach { close($0) }
                throw FileBatch.failure("open the event log", path)
            }
            descriptors.append(fd)
        }
        self.descriptors = descriptors
        self.listener = listener
    }

    deinit {
        descriptors.forEach { close($0) }
    }

    public func record(_ event: ConnectionEvent) {
        encoder.withLock { encoder in
            let json = (try? encoder.encode(event)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            let line = Array((json + "\n").utf8)
            for fd in descriptors { _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }
            listener(event, json)
        }
    }

    static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}
