import ArgumentParser
import Foundation
import PKILab
import PKILabEndpoints
#if canImport(Glibc)
import Glibc
#endif

struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Read the connection events of the lab's endpoints (ca/events.jsonl).",
        discussion: """
            The log rotates by size (lab.yaml events: { max_size: 10MiB, keep: 5 }): the older events are in \
            ca/events.jsonl.1 (the most recent) to .5, and this reads them all, oldest first. --follow prints the \
            events that arrive from now on (add --since to replay from a time first) and keeps reading across \
            rotations. The filters combine: --endpoint mqtt --reason publish_denied --since 10m.
            """)

    @OptionGroup var options: LabOptions

    @Flag(help: "Print the events that arrive from now on (history only with --since), across rotations, until Ctrl-C.")
    var follow = false

    @Option(help: ArgumentHelp("Only events at or after this time: ISO 8601 (2026-12-04T10:00:00Z) or an age (90s, 10m, 2h, 1d).", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Only events of this endpoint (repeatable), e.g. mqtt, https, zoo-expired.", valueName: "name"))
    var endpoint: [String] = []

    @Option(help: ArgumentHelp("Only events of this client identity (repeatable): its certificate's name or common name.", valueName: "name"))
    var identity: [String] = []

    @Option(help: ArgumentHelp("Only events with this reason code (repeatable), e.g. no_client_certificate, publish_denied, accepted.", valueName: "code"))
    var reason: [String] = []

    @Flag(help: "Print the events as JSON lines.")
    var json = false

    func validate() throws {
        if let since, EventFilter.time(parsing: since) == nil {
            throw ValidationError("Please give --since as an ISO 8601 time (2026-12-04T10:00:00Z) or an age such as 90s, 10m, 2h or 1d (not \"\(since)\").")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let path = options.store.directory.events
            let files = EventRotation.files(at: path)
            if files.isEmpty && !follow {
                Console.out("No events yet: \"\(Console.path(path))\" appears once \"pkilab up\" has seen a connection.")
                return
            }
            let printer = json ? nil : makePrinter()
            let filter = EventFilter(since: since.flatMap { EventFilter.time(parsing: $0) }, endpoints: Set(endpoint), identities: Set(identity),
                                     reasons: Set(reason))
            func emit(_ line: Substring) { self.emit(line, printer, filter) }
            // --follow alone starts at the end: only what arrives from now on.
            let replay = !follow || since != nil
            // The rotated files are complete: print them whole, then read the current one (and follow it).
            if replay { for file in files where file != path { printWhole(file, emit) } }
            var current = FileHandle(forReadingAtPath: path).map { LineReader(handle: $0) }
            if replay { current?.readAvailable(emit) } else { current?.skipToEnd() }
            while follow {
                fflush(nil)
                try await Task.sleep(nanoseconds: 200_000_000)
                current?.readAvailable(emit)
                // Rotated since the last look: the old file is read to its end, then any file rotated after it
                // (if it rotated more than once meanwhile), then the new one from its start.
                if current == nil || current?.isStale(path) == true, let fresh = FileHandle(forReadingAtPath: path) {
                    if var old = current {
                        old.readAvailable(emit)
                        old.finish(emit)
                        let chain = EventRotation.files(at: path).dropLast()
                        if let index = chain.firstIndex(where: { old.isFile($0) }) {
                            for file in chain[chain.index(after: index)...] { printWhole(file, emit) }
                        }
                        try? old.handle.close()
                    }
                    current = LineReader(handle: fresh)
                    current?.readAvailable(emit)
                }
            }
        }
    }

    /// Fits the names of the running lab's endpoints, else of the lab file's (with its zoo), else any name.
    private func makePrinter() -> EventPrinter {
        let store = options.store
        if let ready = ReadyLab.read(from: store.directory) { return EventPrinter(names: ready.endpoints.map(\.name)) }
        let lab = try? options.loadLab()
        return EventPrinter(names: lab.map { $0.servedEndpoints(zoo: $0.zoo).map(\.name) } ?? [])
    }

    private func printWhole(_ file: String, _ emit: (Substring) -> Void) {
        guard let handle = FileHandle(forReadingAtPath: file) else { return }
        var reader = LineReader(handle: handle)
        reader.readAvailable(emit)
        reader.finish(emit)
        try? handle.close()
    }

    private func emit(_ line: Substring, _ printer: EventPrinter?, _ filter: EventFilter) {
        let filtered = filter != EventFilter()
        let event = printer != nil || filtered ? ConnectionEvent.decode(jsonLine: String(line)) : nil
        if filtered, !(event.map(filter.matches) ?? false) { return }
        if let printer {
            if let event { Console.out(printer.line(event)) }
        } else {
            Console.out(String(line))
        }
    }
}

/// Whole lines from an open event file, as it grows; a line written halfway is kept until its end arrives.
private struct LineReader {
    let handle: FileHandle
    private var pending = Data()

    init(handle: FileHandle) {
        self.handle = handle
    }

    /// Hands over every complete line that has arrived since the last call.
    mutating func readAvailable(_ body: (Substring) -> Void) {
        pending.append(handle.readDataToEndOfFile())
        guard let end = pending.lastIndex(of: 0x0A) else { return }
        let complete = pending[pending.startIndex...end]
        for line in String(decoding: complete, as: UTF8.self).split(separator: "\n") { body(line) }
        pending = Data(pending[pending.index(after: end)...])
    }

    /// Skips what the file holds now: only lines written from here on are handed over.
    mutating func skipToEnd() {
        _ = handle.seekToEndOfFile()
        pending.removeAll()
    }

    /// Hands over a last line without its line break, if the file ended in one.
    mutating func finish(_ body: (Substring) -> Void) {
        if !pending.isEmpty { body(Substring(String(decoding: pending, as: UTF8.self))) }
        pending.removeAll()
    }

    /// The path no longer names the file being read (it was rotated away).
    func isStale(_ path: String) -> Bool {
        var named = stat()
        guard stat(path, &named) == 0 else { return false }
        return !isFile(path)
    }

    /// `path` names the file being read.
    func isFile(_ path: String) -> Bool {
        var open = stat(), named = stat()
        guard fstat(handle.fileDescriptor, &open) == 0, stat(path, &named) == 0 else { return false }
        return open.st_ino == named.st_ino && open.st_dev == named.st_dev
    }
}
