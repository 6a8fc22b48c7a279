import PKILab
import Synchronization

/// Collects the events an endpoint records.
final class EventBox: Sendable {
    private let events = Mutex<[ConnectionEvent]>([])
    private let flushers = Mutex<[@Sendable () -> Void]>([])
    func append(_ event: ConnectionEvent) { events.withLock { $0.append(event) } }

    /// An event log whose events land here (it writes off the caller's thread; ``all`` waits for it).
    func makeLog() throws -> EventLog {
        let log = try EventLog(paths: [], listener: { [self] event, _ in append(event) })
        flushers.withLock { $0.append { [weak log] in log?.flush() } }
        return log
    }

    /// Every event recorded so far, once the logs made by ``makeLog()`` have written them.
    var all: [ConnectionEvent] {
        for flush in flushers.withLock({ $0 }) { flush() }
        return events.withLock { $0 }
    }
}
