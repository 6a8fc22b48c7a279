import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends connection events as JSON lines to one or more files (`ca/events.jsonl`, `--events FILE`) and
/// hands each to a listener (the console), in the order they happen.
///
/// The first file rotates by size (``EventRotation``); the others (`--events FILE`, which may be a pipe) are
/// the user's and are only appended to. Rotating is a few renames under the same lock as the write, once
/// every `maxSize` bytes: an event costs what it did, one `write` per file.
///
/// ``record(_:)`` returns at once: encoding, writing and the listener run on one serial queue of the log's own,
/// never on the caller's thread (an endpoint's event loop is not held up by the disk or a slow terminal), in the
/// order events were recorded. ``flush()`` waits until every recorded event is written.
public final class EventLog: Sendable {
    private struct State {
        var encoder: JSONEncoder
        var descriptors: [Int32]
        /// Bytes in the first file, for rotation.
        var size: Int
    }

    private let state: Mutex<State>
    private let rotatedPath: String?
    private let rotation: EventRotation?
    private let listener: @Sendable (ConnectionEvent, String) -> Void
    private let queue = DispatchQueue(label: "pkilab.events")

    /// Opens (creating, 0644, appending) every path in `paths`.
    /// - Parameters:
    ///   - rotation: how the first file rotates; nil to let it grow.
    ///   - listener: gets each event and its JSON line, in order.
    public init(paths: [String], rotation: EventRotation? = nil, listener: @escaping @Sendable (ConnectionEvent, String) -> Void) throws(StoreError) {
        var descriptors: [Int32] = []
        for path in paths {
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                descriptors.forEach { close($0) }
                throw FileBatch.failure("open the event log", path)
            }
            descriptors.append(fd)
        }
        var info = stat()
        let size = descriptors.first.map { fstat($0, &info) == 0 ? Int(info.st_size) : 0 } ?? 0
        state = Mutex(State(encoder: EventLog.makeEncoder(), descriptors: descriptors, size: size))
        rotatedPath = rotation == nil ? nil : paths.first
        self.rotation = rotation
        self.listener = listener
    }

    deinit {
        // Every pending write holds the log, so none is left here.
        state.withLock { $0.descriptors.forEach { close($0) } }
    }

    /// Appends `event` to every file and hands it to the listener, off the caller's thread.
    public func record(_ event: ConnectionEvent) {
        queue.async { [self] in append(event) }
    }

    /// Waits until every event recorded so far is written and told to the listener.
    public func flush() {
        queue.sync {}
    }

    private func append(_ event: ConnectionEvent) {
        state.withLock { state in
            let json = (try? state.encoder.encode(event)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            let line = Array((json + "\n").utf8)
            if let rotation, let path = rotatedPath, state.size > 0, state.size + line.count > rotation.maxSize {
                Self.rotate(path, rotation: rotation, state: &state)
            }
            for fd in state.descriptors { _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }
            state.size += line.count
            listener(event, json)
        }
    }

    /// `path.(keep-1)` → `path.keep`, …, `path` → `path.1`, and a new `path`. If the new file cannot be
    /// opened, events keep going to the old one (now `path.1`) rather than being lost.
    private static func rotate(_ path: String, rotation: EventRotation, state: inout State) {
        if rotation.keep == 0 {
            unlink(path)
        } else {
            for number in stride(from: rotation.keep - 1, through: 1, by: -1) {
                rename(EventRotation.rotatedPath(path, number), EventRotation.rotatedPath(path, number + 1))
            }
            rename(path, EventRotation.rotatedPath(path, 1))
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        close(state.descriptors[0])
        state.descriptors[0] = fd
        state.size = 0
    }

    static func makeEncoder() -> JSONEncoder {
        LabJSON.encoder()
    }
}
