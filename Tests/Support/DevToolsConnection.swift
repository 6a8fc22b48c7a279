import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The Chrome DevTools Protocol over a ``ChromiumProcess``'s pipes: JSON messages each ended by a NUL byte.
///
/// A thread of its own reads fd 4 (with `poll` every 200 ms, so ``stop()`` ends it even if the browser does not close
/// its end) and files each message: a reply under its `id`, an event in a log that ``waitForEvent(after:sessionId:timeout:_:)``
/// searches. Every wait has a deadline; a browser that exits wakes every waiter with an error.
final class DevToolsConnection: @unchecked Sendable {
    /// An event the browser sent: its method, params and (for a page's events) the session it belongs to.
    struct Event {
        let method: String
        let params: [String: Any]
        let sessionId: String?
    }

    private let process: ChromiumProcess
    private let log: String
    private let condition = NSCondition()
    private var replies: [Int: [String: Any]] = [:]
    private var events: [Event] = []
    /// How many events were dropped from the front of `events` (it keeps at most 10 000).
    private var dropped = 0
    private var ended = false
    private var stopping = false
    private var lastId = 0
    private let onEvent: (Event) -> Void

    /// Starts reading `process`'s replies. `onEvent` is called on the reader thread for every event, in order.
    /// `log` is the browser's stderr file, whose end goes into the message when the browser dies.
    init(process: ChromiumProcess, log: String, onEvent: @escaping (Event) -> Void) {
        self.process = process
        self.log = log
        self.onEvent = onEvent
        let thread = Thread { [self] in readLoop() }
        thread.name = "pkilab-devtools-\(process.pid)"
        thread.start()
    }

    /// How many events have arrived so far: pass it to ``waitForEvent(after:sessionId:timeout:_:)`` to see only later ones.
    var eventCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return dropped + events.count
    }

    /// Sends `method` with `params` (to the page session `sessionId`, or the browser) and waits at most `timeout`
    /// seconds for its reply.
    /// - Returns: The reply's `result`.
    /// - Throws: ``ChromiumError`` with the protocol's error message, or saying the reply did not come in time or
    ///   the browser ended (with the end of its stderr).
    func call(_ method: String, _ params: [String: Any] = [:], sessionId: String? = nil, timeout: TimeInterval) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        lastId += 1
        let id = lastId
        condition.unlock()
        var message: [String: Any] = ["id": id, "method": method, "params": params]
        if let sessionId { message["sessionId"] = sessionId }
        let data = try JSONSerialization.data(withJSONObject: message)
        try process.write([UInt8](data) + [0], deadline: deadline)
        condition.lock()
        defer { condition.unlock() }
        while replies[id] == nil && !ended {
            guard condition.wait(until: deadline) else { break }
        }
        guard let reply = replies.removeValue(forKey: id) else {
            if ended { throw ChromiumError("Chromium ended during \(method)\(stderrTail())") }
            throw ChromiumError("Chromium did not answer \(method) within \(Self.seconds(timeout))", isTimeout: true)
        }
        if let error = reply["error"] as? [String: Any] {
            let text = [error["message"] as? String, error["data"] as? String].compactMap { $0 }.joined(separator: ": ")
            throw ChromiumError("\(method) failed: \(text)")
        }
        return reply["result"] as? [String: Any] ?? [:]
    }

    /// Waits at most `timeout` seconds for an event numbered `after` or later (see ``eventCount``), of `sessionId`
    /// when given, for which `match` is true.
    /// - Returns: The event, or nil when none came in time or the browser ended first.
    func waitForEvent(after: Int, sessionId: String?, timeout: TimeInterval, _ match: (Event) -> Bool) -> Event? {
        let deadline = Date().addingTimeInterval(timeout)
        var next = after
        condition.lock()
        defer { condition.unlock() }
        while true {
            next = max(next, dropped)
            while next < dropped + events.count {
                let event = events[next - dropped]
                next += 1
                if sessionId == nil || event.sessionId == sessionId, match(event) { return event }
            }
            guard !ended, condition.wait(until: deadline) else { return nil }
        }
    }

    /// Whether the browser has closed its end of the pipe (it exited or crashed).
    var hasEnded: Bool {
        condition.lock()
        defer { condition.unlock() }
        return ended
    }

    /// Ends the reader thread within about 200 ms (it closes fd 4's end then); waiters are woken.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    /// The last 1 500 characters of the browser's stderr, for a message, or "" when it has none.
    func stderrTail() -> String {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8), !text.isEmpty else { return "" }
        return "; its stderr ends:\n" + String(text.suffix(1_500))
    }

    static func seconds(_ interval: TimeInterval) -> String { String(format: "%.1f s", interval) }

    private func readLoop() {
        let fd = process.replies
        var pending = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        reading: while true {
            condition.lock()
            let stop = stopping
            condition.unlock()
            if stop { break }
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let polled = poll(&ready, 1, 200)
            if polled == 0 || (polled < 0 && errno == EINTR) { continue }
            let count = read(fd, &buffer, buffer.count)
            if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            guard count > 0 else { break }
            pending.append(contentsOf: buffer[0..<count])
            while let end = pending.firstIndex(of: 0) {
                let message = Array(pending[..<end])
                pending.removeSubrange(...end)
                guard let object = try? JSONSerialization.jsonObject(with: Data(message)) as? [String: Any] else { continue }
                file(object)
            }
            continue reading
        }
        close(fd)
        condition.lock()
        ended = true
        condition.broadcast()
        condition.unlock()
    }

    private func file(_ message: [String: Any]) {
        if let id = message["id"] as? Int {
            condition.lock()
            replies[id] = message
            condition.broadcast()
            condition.unlock()
        } else if let method = message["method"] as? String {
            let event = Event(method: method, params: message["params"] as? [String: Any] ?? [:], sessionId: message["sessionId"] as? String)
            onEvent(event)
            condition.lock()
            events.append(event)
            if events.count > 10_000 {
                events.removeFirst(5_000)
                dropped += 5_000
            }
            condition.broadcast()
            condition.unlock()
        }
    }
}
