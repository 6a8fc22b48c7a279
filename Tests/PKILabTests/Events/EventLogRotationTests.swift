import Foundation
import PKILab
import Testing

@Suite("ca/events.jsonl rotates by size")
struct EventLogRotationTests {
    @Test("past max_size the log moves to .1, older files move up, at most keep are kept, and nothing is lost in between")
    func rotates() async throws {
        try await TestLab.withTemporaryFolder { folder in
            let path = folder + "/events.jsonl"
            let log = try EventLog(paths: [path], rotation: EventRotation(maxSize: 2048, keep: 2)) { _, _ in }
            for index in 0..<40 {
                log.record(ConnectionEvent(endpoint: "echo", peer: "127.0.0.1:\(1000 + index)", outcome: .rejected, reason: "unknown_ca",
                                           explanation: "event \(index)"))
            }
            log.flush()
            let files = EventRotation.files(at: path)
            #expect(files == [path + ".2", path + ".1", path], "oldest first, no .3")
            var peers: [String] = []
            for file in files {
                let data = try #require(FileManager.default.contents(atPath: file))
                #expect(data.count <= 2048, "\(file) is \(data.count) bytes")
                let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
                peers += lines.compactMap { ConnectionEvent.decode(jsonLine: String($0))?.peer }
            }
            // The kept files hold the most recent events, contiguous and in order.
            let numbers = peers.compactMap { Int($0.split(separator: ":").last!) }
            #expect(numbers.last == 1039)
            #expect(numbers == Array((numbers.first ?? 0)...1039), "\(numbers)")
            #expect(numbers.count >= 6)
        }
    }

    @Test("without rotation (extra --events files) the file only grows")
    func unrotated() async throws {
        try await TestLab.withTemporaryFolder { folder in
            let log = try EventLog(paths: [folder + "/a.jsonl"]) { _, _ in }
            for index in 0..<20 { log.record(ConnectionEvent(endpoint: "echo", peer: "p\(index)", outcome: .accepted, reason: "ok", explanation: "")) }
            log.flush()
            #expect(EventRotation.files(at: folder + "/a.jsonl") == [folder + "/a.jsonl"])
        }
    }
}
