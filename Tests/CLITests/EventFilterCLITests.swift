import Foundation
import PKILab
import PKILabTestSupport
import Testing

@Suite("pkilab events --since --endpoint --identity --reason, and --follow that does not replay history", .serialized, .timeLimit(.minutes(3)))
struct EventFilterCLITests {
    @Test("each filter keeps only its events; --follow prints only what arrives after it started")
    func filters() throws {
        let scratch = try Scratch(lab: Scratch.lab())
        defer { scratch.remove() }
        let lab = try LabProcess(scratch: scratch)
        defer { lab.stop() }
        let device: [String: Any] = ["port": lab.echoPort, "ca": "ca/root.pem", "cert": "ca/certs/device-001/fullchain.pem", "key": "ca/certs/device-001/key.pem"]
        #expect(try lab.python(device)["same"] as? Bool == true)
        _ = try lab.python(["port": lab.echoPort, "ca": "ca/root.pem"])
        #expect(lab.waitForEvent { $0.reason == "no_client_certificate" } != nil)

        let follower = try Background(Pkilab.binary, ["events", "--follow", "--json"], cwd: scratch.path)
        defer { follower.process.terminate(); _ = follower.wait() }
        usleep(700_000)

        func lines(_ arguments: [String]) throws -> [ConnectionEvent] {
            let run = try Pkilab.run(["events", "--json"] + arguments, in: scratch.path)
            #expect(run.status == 0, "\(run)")
            return run.stdout.split(separator: "\n").compactMap { ConnectionEvent.decode(jsonLine: String($0)) }
        }
        #expect(try lines([]).count == 2)
        #expect(try lines(["--reason", "no_client_certificate"]).map(\.outcome) == [.rejected])
        #expect(try lines(["--identity", "device-001"]).map(\.outcome) == [.accepted])
        #expect(try lines(["--endpoint", "https"]).isEmpty)
        #expect(try lines(["--since", "1h"]).count == 2)
        #expect(try lines(["--since", "2099-01-01T00:00:00Z"]).isEmpty)
        let human = try Pkilab.run(["events", "--reason", "no_client_certificate"], in: scratch.path)
        #expect(human.stdout.contains("✗ rejected [no_client_certificate]") || human.stdout.contains("rejected [no_client_certificate]"), "\(human)")
        let bad = try Pkilab.run(["events", "--since", "yesterday"], in: scratch.path)
        #expect(bad.status == 64, "\(bad)")

        #expect(try lab.python(device)["same"] as? Bool == true)
        #expect(follower.waitForLine { $0.contains("\"accepted\"") })
        usleep(300_000)
        #expect(follower.lines.count == 1, "--follow printed only the new connection, not the two before it: \(follower.lines)")
    }
}
