import Foundation
import NIOCore
import NIOPosix
import PKILab
import Synchronization

/// Everything the workshop console serves from: the feed of events and attendees, the teacher's token and one-time
/// links, where the kits are, and (once the lab listens) its endpoints.
public final class ConsoleService: Sendable {
    /// How much of `ca/events.jsonl` the console reads when it starts (its last events grade the board again).
    static let historyBytes = 4 * 1024 * 1024

    let lab: Lab
    let store: LabStore
    let feed: ConsoleFeed
    let tickets: ConsoleTickets
    /// Where `pkilab workshop kits` writes the kits.
    let kitsFolder: String
    private let running = Mutex<[RunningEndpoint]>([])
    private let pinger = Mutex<RepeatedTask?>(nil)

    /// The teacher's token, which `pkilab up` prints in the console's URL.
    public var token: String { tickets.token }

    /// Reads the kits' identities and the tail of the event log, so the board starts where the last run left it.
    init(lab: Lab, store: LabStore, endpointName: String) {
        self.lab = lab
        self.store = store
        kitsFolder = WorkshopKits.defaultFolder(of: store)
        let identities = WorkshopKits.list(in: kitsFolder).map(\.identity)
        feed = ConsoleFeed(identities: identities, history: Self.history(store.directory.events, bytes: Self.historyBytes), ownEndpoint: endpointName)
        tickets = ConsoleTickets()
    }

    /// Hands `event` (and its JSON line) to the pages.
    func publish(_ event: ConnectionEvent, line: String) {
        feed.publish(event, line: line)
    }

    /// Hands an HTTP request (what a device did after its handshake on the HTTPS endpoint) to the pages.
    func publish(_ request: RequestRecord) {
        feed.publish(request)
    }

    /// The endpoints once they listen (their real ports, for the commands the page shows); starts the pings that keep
    /// the pages' connections alive.
    func started(_ endpoints: [RunningEndpoint]) {
        running.withLock { $0 = endpoints }
        let feed = self.feed
        let task = MultiThreadedEventLoopGroup.singleton.next().scheduleRepeatedTask(initialDelay: .seconds(15), delay: .seconds(15)) { _ in
            feed.ping()
        }
        pinger.withLock { $0 = task }
    }

    /// Ends the pages' streams (they reconnect by themselves to a lab started again).
    func stop() {
        pinger.withLock { $0?.cancel() }
        feed.finish()
    }

    var endpoints: [RunningEndpoint] {
        running.withLock { $0 }
    }

    /// The kits written so far.
    var kits: [WorkshopKit] {
        WorkshopKits.list(in: kitsFolder)
    }

    /// The events in the last `bytes` of the log at `path` (the first, cut line skipped), oldest first.
    static func history(_ path: String, bytes: Int) -> [ConnectionEvent] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        let start = size > UInt64(bytes) ? size - UInt64(bytes) : 0
        guard (try? handle.seek(toOffset: start)) != nil, let data = try? handle.readToEnd() else { return [] }
        var lines = data.split(separator: 0x0A)
        if start > 0, !lines.isEmpty { lines.removeFirst() }
        let decoder = LabJSON.decoder()
        return lines.compactMap { try? decoder.decode(ConnectionEvent.self, from: Data($0)) }
    }
}
