import Foundation
import PKILabTestSupport
import Testing

@Suite("pkilab up --lab-clock-offset: the lab's own clock moves, and the endpoints judge certificates by it", .serialized, .timeLimit(.minutes(3)))
struct LabClockTests {
    @Test("--lab-clock-offset +400d: the endpoints see a 90-day device certificate as expired and a 825-day one as valid")
    func labClock() throws {
        let scratch = try Scratch(lab: Scratch.lab(extra: "  short: { issuer: issuing, role: client, validity: 90d }"))
        defer { scratch.remove() }
        let lab = try LabProcess(scratch: scratch, arguments: ["--lab-clock-offset", "+400d"])
        defer { lab.stop() }
        #expect(lab.output.string.contains("--lab-clock-offset +400d"))
        let short = try lab.python(["port": lab.echoPort, "ca": "ca/root.pem", "cert": "ca/certs/short/fullchain.pem", "key": "ca/certs/short/key.pem"])
        #expect(short["same"] == nil, "\(short)")
        let event = lab.waitForEvent { $0.reason == "expired" }
        #expect(event?.client?.commonName == "short", "\(String(describing: event))")
        let long = try lab.python(["port": lab.echoPort, "ca": "ca/root.pem", "cert": "ca/certs/device-001/fullchain.pem", "key": "ca/certs/device-001/key.pem"])
        #expect(long["same"] as? Bool == true, "\(long)")
        let bad = try Pkilab.run(["up", "--time-offset", "soon"], in: scratch.path)
        #expect(bad.status == 64 && bad.stderr.contains("+400d"), "\(bad)")
    }
}
