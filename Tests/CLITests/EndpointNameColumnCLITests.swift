import Foundation
import PKILabTestSupport
import Testing

@Suite("pkilab up and pkilab events print whole endpoint names in a column as wide as the longest", .serialized, .timeLimit(.minutes(3)))
struct EndpointNameColumnCLITests {
    @Test("zoo-incomplete-chain and mqtt-production stay whole; the peer column starts at the same place on every line")
    func wholeNames() throws {
        let scratch = try Scratch(lab: Scratch.lab(extra: "endpoints: { mqtt: [ { port: 0 }, { name: mqtt-production, port: 0 } ] }"))
        defer { scratch.remove() }
        let lab = try LabProcess(scratch: scratch, arguments: ["--zoo-port", "0", "--zoo-mqtt-port", "0"])
        defer { lab.stop() }
        let names = ["echo", "zoo-incomplete-chain", "mqtt-production"]
        for name in names {
            let port = try #require(lab.ports[name], "\(lab.ports)")
            // A client without a certificate: every one of these endpoints logs the connection.
            _ = try Run.program("openssl", ["s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", "ca/root.pem", "-brief"],
                                cwd: scratch.path, input: "", timeout: 20)
            #expect(lab.waitForEvent { $0.endpoint == name } != nil, "no event for \(name)")
        }
        usleep(300_000)
        // The widest name served is a zoo MQTT listener's; the column is that wide plus one space.
        let width = lab.ports.keys.map(\.count).max() ?? 0
        let printed = lab.output.string.split(separator: "\n").map(String.init)
            .filter { $0.count > 9 && $0.prefix(8).allSatisfy { $0.isNumber || $0 == ":" } }
        for name in names {
            let line = try #require(printed.first { String($0.dropFirst(9)).hasPrefix(name + " ") }, "\(name) is cut or missing:\n\(lab.output.string)")
            let peer = String(line.dropFirst(9 + width + 1))
            #expect(peer.hasPrefix("127.0.0.1:"), "the peer column does not start after \(width) characters: \(line)")
        }
        #expect(lab.stop() == 0)
        let events = try Pkilab.run(["events"], in: scratch.path)
        for name in ["echo", "mqtt-production"] {
            #expect(events.stdout.split(separator: "\n").contains { String($0.dropFirst(9)).hasPrefix(name + " ") }, "\(events)")
        }
    }
}
