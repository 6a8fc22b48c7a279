import Foundation
import PKILab
import PKILabTestSupport
import Testing

@Suite("events.jsonl rotates at lab.yaml's events.max_size, and pkilab events reads across the rotated files", .serialized, .timeLimit(.minutes(3)))
struct EventRotationCLITests {
    @Test("with max_size 2KiB and keep 2: at most three files of at most 2 KiB, and pkilab events (and --follow) prints them oldest first")
    func rotates() throws {
        let scratch = try Scratch(lab: Scratch.lab(extra: "events: { max_size: 2KiB, keep: 2 }"))
        defer { scratch.remove() }
        let lab = try LabProcess(scratch: scratch)
        defer { lab.stop() }
        // A follower started before the rotations must see every event, across them.
        let follower = Process()
        follower.executableURL = URL(fileURLWithPath: Pkilab.binary)
        follower.arguments = ["events", "--follow", "--json"]
        follower.currentDirectoryURL = URL(fileURLWithPath: scratch.path)
        let followed = DataBox(), pipe = Pipe()
        follower.standardOutput = pipe
        try follower.run()
        _ = PipeReader(pipe, into: followed)
        defer { if follower.isRunning { follower.terminate() }; follower.waitUntilExit() }
        usleep(500_000)

        let device: [String: Any] = ["port": lab.echoPort, "ca": "ca/root.pem", "cert": "ca/certs/device-001/fullchain.pem", "key": "ca/certs/device-001/key.pem"]
        let connections = 12
        for index in 0..<connections {
            #expect(try lab.python(device)["same"] as? Bool == true, "connection \(index)")
        }
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, followed.string.split(separator: "\n").count < connections { usleep(50_000) }

        let files = EventRotation.files(at: lab.store + "/events.jsonl")
        #expect(files.map { ($0 as NSString).lastPathComponent } == ["events.jsonl.2", "events.jsonl.1", "events.jsonl"], "\(files)")
        #expect(!scratch.exists("ca/events.jsonl.3"))
        var stored: [String] = []
        for file in files {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            #expect(data.count <= 2048, "\(file): \(data.count) bytes")
            stored += String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        }
        #expect(stored.count >= 4 && stored.count < connections, "the oldest events were dropped: \(stored.count) kept")

        let read = try Pkilab.run(["events", "--json"], in: scratch.path)
        #expect(read.status == 0 && read.stdout.split(separator: "\n").map(String.init) == stored, "pkilab events prints every kept file, oldest first: \(read)")
        let times = stored.compactMap { ConnectionEvent.decode(jsonLine: $0)?.time }
        #expect(times == times.sorted() && times.count == stored.count)
        let human = try Pkilab.run(["events"], in: scratch.path)
        #expect(human.stdout.split(separator: "\n").count == stored.count, "\(human)")

        let seen = followed.string.split(separator: "\n").compactMap { ConnectionEvent.decode(jsonLine: String($0)) }
        #expect(seen.filter { $0.endpoint == "echo" && $0.outcome == .accepted }.count == connections,
                "--follow saw all \(connections) connections across two rotations: \(followed.string)")
    }
}
