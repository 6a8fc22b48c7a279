import Foundation
import PKILab
import Synchronization

/// What the workshop console knows as it happens: the latest connection events, each attendee's status (graded by
/// ``WorkshopGrader``), and the pages following them over Server-Sent Events.
///
/// The event log hands every event to ``publish(_:line:)`` on its own queue, in order; publishing grades it, keeps
/// it among the last ``kept`` and yields it to every subscriber. A subscriber that cannot keep up loses the oldest
/// items of its own buffer (``bufferPerSubscriber``), never slows the lab, and sees the gap in the event ids.
final class ConsoleFeed: Sendable {
    /// One message to a page.
    enum Item: Sendable, Equatable {
        /// A connection event, numbered from 1 in the order the lab saw them: `{"id":…,"identity":…,"event":{…}}` (the
        /// identity it is attributed to, see ``WorkshopGrader/identity(of:)``, and the event's JSON line).
        case event(id: Int, json: String)
        /// One attendee's status changed (``AttendeeStatus`` as JSON).
        case attendee(json: String)
        /// An HTTP request on a connection (`{"time","endpoint","peer","identity","method","path","status"}`): what a
        /// device did after its handshake. Only live: a page that reconnects gets the events again, not the requests.
        case request(json: String)
        /// A comment that keeps proxies and the browser's connection awake, and finds pages that went away.
        case ping

        /// The item as a Server-Sent Events message.
        var message: String {
            switch self {
            case .event(let id, let json): "id: \(id)\nevent: connection\ndata: \(json)\n\n"
            case .attendee(let json): "event: attendee\ndata: \(json)\n\n"
            case .request(let json): "event: request\ndata: \(json)\n\n"
            case .ping: ": ping\n\n"
            }
        }
    }

    private struct State {
        var recent: [(id: Int, json: String)] = []
        var lastID = 0
        var grader: WorkshopGrader
        var subscribers: [Int: AsyncStream<Item>.Continuation] = [:]
        var nextSubscriber = 0
        var finished = false
        var accepted = 0
        var refused = 0
    }

    /// How many events a page gets when it opens (and the API's `/api/events` at most).
    static let kept = 500
    /// How many items wait for one slow page before its oldest are dropped.
    static let bufferPerSubscriber = 2_000

    private let state: Mutex<State>
    /// The endpoint whose own connections (the pages themselves) are left out of the feed and the board.
    private let ownEndpoint: String

    /// - Parameters:
    ///   - identities: the attendees known up front (the kits' identities), shown before they connect.
    ///   - history: earlier events (the tail of `ca/events.jsonl`), graded and kept as if they had just happened.
    ///   - ownEndpoint: the console's endpoint name.
    init(identities: [String], history: [ConnectionEvent], ownEndpoint: String) {
        self.ownEndpoint = ownEndpoint
        var state = State(grader: WorkshopGrader(identities: identities))
        for event in history where event.endpoint != ownEndpoint {
            Self.add(event, json: event.jsonLine, to: &state)
        }
        self.state = Mutex(state)
    }

    /// Grades `event`, keeps it and tells every page. `line` is its JSON line as the event log wrote it.
    func publish(_ event: ConnectionEvent, line: String) {
        // Browsers open spare connections and close them unused: not something anyone did.
        guard event.endpoint != ownEndpoint, event.reason != RejectionReason.Code.closedUnused.rawValue else { return }
        state.withLock { state in
            guard !state.finished else { return }
            let changed = Self.add(event, json: line, to: &state)
            var items: [Item] = [.event(id: state.lastID, json: state.recent.last?.json ?? "{}")]
            for identity in changed {
                if let status = state.grader.status(of: identity) { items.append(.attendee(json: LabJSON.text(status))) }
            }
            for continuation in state.subscribers.values {
                for item in items { continuation.yield(item) }
            }
        }
    }

    /// One HTTP request as a page sees it.
    private struct RequestView: Encodable {
        var time: Date
        var endpoint: String
        var peer: String
        var identity: String?
        var method: String
        var path: String
        var status: Int
    }

    /// Tells every page about an HTTP request (not the console's own).
    func publish(_ request: RequestRecord) {
        guard request.endpoint != ownEndpoint else { return }
        let json = LabJSON.text(RequestView(time: request.time, endpoint: request.endpoint, peer: request.peer, identity: request.client,
                                            method: request.method, path: request.path, status: request.status))
        state.withLock { state in
            guard !state.finished else { return }
            for continuation in state.subscribers.values { continuation.yield(.request(json: json)) }
        }
    }

    /// Grades `event` and keeps it with its number and identity; returns the identities whose status changed.
    @discardableResult
    private static func add(_ event: ConnectionEvent, json line: String, to state: inout State) -> [String] {
        state.lastID += 1
        let changed = state.grader.record(event)
        // As a JSON string: the text of a one-element array without its brackets.
        let identity = state.grader.identity(of: event).map { String(LabJSON.text([$0]).dropFirst().dropLast()) } ?? "null"
        state.recent.append((state.lastID, "{\"id\":\(state.lastID),\"identity\":\(identity),\"event\":\(line)}"))
        if state.recent.count > kept + kept / 4 { state.recent.removeFirst(state.recent.count - kept) }
        switch event.outcome {
        case .accepted: state.accepted += 1
        case .rejected: state.refused += 1
        case .closed: break
        }
        return changed
    }

    /// A stream of what happens from now on, and what to send first: the kept events after `lastID` (all of them
    /// when nil) and, when `withBoard`, every attendee's status. The stream ends when the page goes away or the
    /// console stops.
    func subscribe(after lastID: Int?, withBoard: Bool = true) -> (replay: [Item], stream: AsyncStream<Item>) {
        let (stream, continuation) = AsyncStream<Item>.makeStream(bufferingPolicy: .bufferingNewest(Self.bufferPerSubscriber))
        let replay = state.withLock { state -> [Item] in
            guard !state.finished else {
                continuation.finish()
                return []
            }
            let key = state.nextSubscriber
            state.nextSubscriber += 1
            state.subscribers[key] = continuation
            continuation.onTermination = { [weak self] _ in
                _ = self?.state.withLock { $0.subscribers.removeValue(forKey: key) }
            }
            var replay: [Item] = state.recent.filter { $0.id > (lastID ?? 0) }.map { .event(id: $0.id, json: $0.json) }
            if withBoard {
                replay += state.grader.attendees.map { .attendee(json: LabJSON.text($0)) }
            }
            return replay
        }
        return (replay, stream)
    }

    /// Sends a ``Item/ping`` to every page.
    func ping() {
        state.withLock { state in
            for continuation in state.subscribers.values { continuation.yield(.ping) }
        }
    }

    /// Ends every page's stream; later events are not kept.
    func finish() {
        let continuations = state.withLock { state -> [AsyncStream<Item>.Continuation] in
            state.finished = true
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        continuations.forEach { $0.finish() }
    }

    /// Every attendee's status, sorted by identity.
    var board: [AttendeeStatus] {
        state.withLock { $0.grader.attendees }
    }

    /// The kept events after `lastID` (as ``Item/event(id:json:)`` carries them), oldest first, at most `limit`.
    func recent(after lastID: Int = 0, limit: Int = kept) -> [(id: Int, json: String)] {
        state.withLock { state in Array(state.recent.filter { $0.id > lastID }.suffix(limit)) }
    }

    /// Events seen since the console started (history included): accepted, refused, and pages following.
    var counts: (accepted: Int, refused: Int, pages: Int) {
        state.withLock { ($0.accepted, $0.refused, $0.subscribers.count) }
    }
}
