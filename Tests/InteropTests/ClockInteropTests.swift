import Foundation
import PKILabTestSupport
import Testing

/// The first Python that has ntplib (Debian's python3-ntplib lives under /usr/bin/python3).
private let ntplibPython: String? = ["python3", "/usr/bin/python3"].first { python in
    (try? Run.program(python, ["-c", "import ntplib"]).status) == 0
}

/// Polls an SNTP server from a plain UDP socket and checks what the lwIP client of ESP-IDF and the ESP8266 core
/// checks (mode 4, non-zero stratum, reply from the polled port, originate = our transmit time), then prints
/// what the server said as JSON. Also sends two packets a server must not answer.
private let sntpProbe = #"""
import json, socket, struct, sys, time
port, version = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
transmit = struct.pack("!II", int(time.time() + 2208988800), 0xDEADBEEF)
s.sendto(bytes([(version << 3) | 3]) + bytes(39) + transmit, ("127.0.0.1", port))
data, source = s.recvfrom(512)
seconds = struct.unpack("!I", data[40:44])[0] - 2208988800
result = {"length": len(data), "mode": data[0] & 7, "version": (data[0] >> 3) & 7, "leap": data[0] >> 6, "stratum": data[1],
          "fromPolledPort": source[1] == port, "originateEchoed": data[24:32] == transmit, "offset": seconds - time.time()}
unanswered = 0
for packet in [bytes([(4 << 3) | 4]) + bytes(47), bytes([(4 << 3) | 3]) + bytes(19)]:
    s.sendto(packet, ("127.0.0.1", port)); s.settimeout(0.5)
    try: s.recvfrom(512)
    except socket.timeout: unanswered += 1
result["unanswered"] = unanswered
print(json.dumps(result))
"""#

@Suite("The offline clock seen by others: SNTP for devices (ntplib, lwIP's checks) and the clockless profile (openssl -attime)", .serialized, .timeLimit(.minutes(3)))
struct ClockInteropTests {
    @Test("The SNTP server answers as lwIP requires, 400 days ahead with --time-offset +400d, as ntplib and a raw client see it; each answer is an event")
    func sntp() throws {
        let python = try #require(ntplibPython, "scripts/test installs python3-ntplib (apt-get install python3-ntplib)")
        let scratch = try Scratch(lab: Scratch.lab())
        defer { scratch.remove() }
        let lab = try LabProcess(scratch: scratch, arguments: ["--time-offset", "+400d"])
        defer { lab.stop() }
        let port = try #require(lab.ports["sntp"])
        let ahead = 400.0 * 86_400
        for version in [3, 4] {
            let run = try Run.program("python3", ["-c", sntpProbe, "\(port)", "\(version)"], timeout: 30)
            let reply = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run)")
            #expect(reply["length"] as? Int == 48 && reply["mode"] as? Int == 4 && reply["version"] as? Int == version && reply["leap"] as? Int == 0)
            #expect((reply["stratum"] as? Int).map { $0 > 0 && $0 < 16 } == true)
            #expect(reply["fromPolledPort"] as? Bool == true && reply["originateEchoed"] as? Bool == true, "\(reply)")
            #expect(abs((reply["offset"] as? Double ?? 0) - ahead) < 5, "\(reply)")
            #expect(reply["unanswered"] as? Int == 2, "a server reply and a short packet get no answer")
        }
        let ntplib = try Run.program(python, ["-c", "import ntplib; r = ntplib.NTPClient().request('127.0.0.1', port=\(port), version=4); print(r.offset, r.stratum, r.mode)"])
        let fields = ntplib.stdout.split(separator: " ")
        #expect(fields.count == 3, "\(ntplib)")
        #expect(abs((Double(fields.first ?? "") ?? 0) - ahead) < 5 && fields.last?.hasPrefix("4") == true, "\(ntplib)")
        let event = lab.waitForEvent { $0.endpoint == "sntp" }
        #expect(event?.explanation.contains("--time-offset") == true && event?.explanation.contains("SNTP v") == true, "\(String(describing: event))")
    }

    @Test("validity: clockless: openssl verifies the chain at 1970-01-02 (a device whose clock was never set); the normal profile is not yet valid then")
    func clockless() throws {
        let scratch = try Scratch(lab: """
            lab: clockless
            authorities:
              root: { subject: { CN: Clockless Root }, validity: clockless }
              issuing: { parent: root, subject: { CN: Clockless Issuing }, validity: clockless, path_len: 0 }
            certificates:
              server: { issuer: issuing, role: server, names: [localhost], validity: clockless }
              normal: { issuer: issuing, role: client }
            """)
        defer { scratch.remove() }
        let issue = try Pkilab.run(["issue"], in: scratch.path)
        #expect(issue.status == 0 && issue.stdout.contains("clockless"), "\(issue)")
        func verify(_ name: String) throws -> RunResult {
            try Run.program("openssl", ["verify", "-attime", "86400", "-CAfile", "ca/root.pem", "-untrusted", "ca/certs/\(name)/chain.pem",
                                        "ca/certs/\(name)/cert.pem"], cwd: scratch.path)
        }
        #expect(try verify("server").status == 0)
        let normal = try verify("normal")
        #expect(normal.status != 0 && (normal.stdout + normal.stderr).contains("not yet valid"), "\(normal)")
        let dates = try Run.program("openssl", ["x509", "-in", "ca/certs/server/cert.pem", "-noout", "-startdate"], cwd: scratch.path)
        #expect(dates.stdout.contains("Jan  1 00:00:00 1970 GMT"), "\(dates)")
        try scratch.write("lab.yaml", Scratch.lab(extra: "  stray: { issuer: issuing, role: client, validity: clockless }"))
        let refused = try Pkilab.run(["issue"], in: scratch.path)
        #expect(refused.status == 65 && refused.stderr.contains("is clockless but its authority \"issuing\" is not"), "\(refused)")
    }
}
