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
    private let listener: @Sendable (ConnectionEvent) -> Void
    private let lock = Mutex(())

    /// Opens (creating, 0644, appending) every path in `paths`.
    public init(paths: [String], listener: @escaping @Sendable (ConnectionEvent) -> Void) throws(StoreError) {
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
        let line = Array((event.jsonLine + "\n").utf8)
        lock.withLock { _ in
            for fd in descriptors { _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }
            listener(event)
        }
    }
}
