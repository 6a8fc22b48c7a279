import Foundation
import PKILab
import PKILabTestSupport
import Testing

/// A lab with two devices (one to revoke, one that stays good) and one whose certificate runs out within a
/// minute of issuance.
private let resumptionLab = Scratch.lab(extra: """
      device-002: { issuer: issuing, role: client }
    """)

/// CONNECT, MQTT 3.1.1, clean session, keep-alive 60 s, with a client id of six characters.
private func mqttConnect(clientID: String) -> Data {
    precondition(clientID.utf8.count == 6)
    return Data([0x10, 0x12, 0x00, 0x04] + Array("MQTT".utf8) + [0x04, 0x02, 0x00, 0x3C, 0x00, 0x06] + Array(clientID.utf8))
}

/// openssl s_client against one endpoint of a running lab, as a device with a saved TLS session: it sends
/// `input` (a file in the scratch folder), keeps its side open a moment to read the answer, and saves or
/// offers its session (`-sess_out`/`-sess_in`).
private struct ResumingClient {
    let lab: LabProcess

    enum Endpoint: String, CaseIterable {
        case echo, https, h2, mqtt
    }

    func port(_ endpoint: Endpoint) -> Int {
        switch endpoint {
        case .echo: lab.echoPort
        case .https, .h2: lab.httpsPort
        case .mqtt: lab.mqttPort
        }
    }

    /// Writes the bytes each endpoint gets: a line to echo, `GET /whoami`, the HTTP/2 preface with an empty
    /// SETTINGS frame, an MQTT CONNECT.
    func writeInputs() throws {
        let files: [String: Data] = [
            "echo.in": Data("resume-echo-line\n".utf8),
            "https.in": Data("GET /whoami HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8),
            "h2.in": Data("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + Data([0, 0, 0, 4, 0, 0, 0, 0, 0]),
        ]
        for (name, data) in files { try data.write(to: URL(fileURLWithPath: "\(lab.scratch.path)/\(name)")) }
    }

    /// One connection. `session` is the file to save the session to (`save`) or to resume from.
    func connect(_ endpoint: Endpoint, as device: String, tls: String, session: String, save: Bool, mqttClientID: String = "resume") throws -> RunResult {
        if endpoint == .mqtt { try mqttConnect(clientID: mqttClientID).write(to: URL(fileURLWithPath: "\(lab.scratch.path)/mqtt-\(mqttClientID).in")) }
        let input = endpoint == .mqtt ? "mqtt-\(mqttClientID).in" : "\(endpoint.rawValue).in"
        let folder = "ca/certs/\(device)"
        var command = ["openssl", "s_client", "-connect", "127.0.0.1:\(port(endpoint))", "-servername", "localhost", "-CAfile", "ca/root.pem",
                       "-verify_return_error", "-no_ign_eof", tls, "-cert", "\(folder)/cert.pem", "-cert_chain", "\(folder)/chain.pem",
                       "-key", "\(folder)/key.pem", save ? "-sess_out" : "-sess_in", session]
        if endpoint == .h2 { command += ["-alpn", "h2"] }
        if endpoint == .https { command += ["-alpn", "http/1.1"] }
        return try Run.program("sh", ["-c", "(cat \(input); sleep 1) | " + command.joined(separator: " ")], cwd: lab.scratch.path, timeout: 30)
    }

    /// What shows that the endpoint acted on the client's bytes, in s_client's output or the event log.
    func answered(_ endpoint: Endpoint, _ result: RunResult, mqttClientID: String = "resume") -> Bool {
        switch endpoint {
        case .echo: result.stdout.contains("resume-echo-line")
        case .https: result.stdout.contains("HTTP/1.1 200") && result.stdout.contains("\"resumed\" : true")
        // The server's SETTINGS frame (type 4 on stream 0) follows the preface.
        case .h2: lab.events.contains { $0.endpoint == "https" && $0.alpn == "h2" && $0.reason == "ok" && $0.resumed == true }
        case .mqtt: lab.waitForEvent(timeout: 3) { $0.reason == "connected" && $0.mqtt?.clientID == mqttClientID } != nil
        }
    }
}

@Suite("A resumed TLS session is checked again: a revoked or expired certificate cannot get back in with a saved session",
       .serialized, .timeLimit(.minutes(6)))
struct SessionResumptionTests {
    @Test("openssl s_client -sess_out/-sess_in, TLS 1.2 and 1.3, on the echo, HTTPS (HTTP/1.1 and h2) and MQTT: a good device resumes ('Reused') and is served; after pkilab revoke the revoked one's resumed session is refused with resumed_session_refused (revoked) before any of its bytes is acted upon",
          arguments: ["-tls1_3", "-tls1_2"])
    func revokedCannotResume(tls: String) throws {
        let scratch = try Scratch(lab: resumptionLab)
        defer { scratch.remove() }
        let lab = try LabProcess(scratch: scratch)
        defer { lab.stop() }
        let client = ResumingClient(lab: lab)
        try client.writeInputs()
        let version = tls == "-tls1_3" ? "TLSv1.3" : "TLSv1.2"
        let endpoints = ResumingClient.Endpoint.allCases

        // Sessions for both devices on every endpoint (each endpoint has its own TLS context, so its own tickets).
        for endpoint in endpoints {
            for device in ["device-001", "device-002"] {
                let id = device == "device-001" ? "new001" : "new002"
                let first = try client.connect(endpoint, as: device, tls: tls, session: "\(endpoint)-\(device).sess", save: true, mqttClientID: id)
                #expect(first.stdout.contains("New, \(version)"), "\(endpoint) \(device): a full handshake first: \(first)")
                #expect(scratch.exists("\(endpoint)-\(device).sess"), "\(endpoint) \(device): openssl saved the session: \(first)")
            }
        }
        // Resumption works for a good identity, and the endpoint serves it.
        for endpoint in endpoints {
            let resumed = try client.connect(endpoint, as: "device-002", tls: tls, session: "\(endpoint)-device-002.sess", save: false, mqttClientID: "good01")
            #expect(resumed.stdout.contains("Reused, \(version)"), "\(endpoint): the good device resumes: \(resumed)")
            #expect(client.answered(endpoint, resumed, mqttClientID: "good01"), "\(endpoint): and is served: \(resumed)")
        }
        let resumedOK = lab.events.filter { $0.resumed == true && $0.reason == "ok" }
        #expect(resumedOK.allSatisfy { $0.notes.contains { $0.contains("checked again") } } && !resumedOK.isEmpty, "\(resumedOK)")

        #expect(try Pkilab.run(["revoke", "device-001", "--reason", "keyCompromise"], in: scratch.path).status == 0)
        for endpoint in endpoints {
            let before = lab.events.count
            let resumed = try client.connect(endpoint, as: "device-001", tls: tls, session: "\(endpoint)-device-001.sess", save: false, mqttClientID: "bad001")
            if EngineUnderTest.isOpenSSL {
                // OpenSSL asks before it takes the ticket: the revoked device does a full handshake, refused as revoked.
                #expect(!resumed.stdout.contains("Reused"), "\(endpoint): \(resumed)")
                let event = lab.waitForEvent { $0.reason == "revoked" && $0.endpoint == (endpoint == .h2 ? "https" : endpoint.rawValue)
                    && lab.events.firstIndex(of: $0).map { $0 >= before } == true }
                #expect(event?.outcome == .rejected && event?.resumed != true && event?.client?.commonName == "device-001", "\(endpoint): \(String(describing: event))")
                #expect(endpoint == .h2 || !client.answered(endpoint, resumed, mqttClientID: "bad001"), "\(endpoint): \(resumed)")
                continue
            }
            #expect(resumed.stdout.contains("Reused, \(version)"), "\(endpoint): the TLS layer resumed the session: \(resumed)")
            let event = lab.waitForEvent { $0.reason == "resumed_session_refused" && $0.endpoint == (endpoint == .h2 ? "https" : endpoint.rawValue)
                && lab.events.firstIndex(of: $0).map { $0 >= before } == true }
            #expect(event?.outcome == .rejected && event?.resumed == true && event?.client?.commonName == "device-001", "\(endpoint): \(String(describing: event))")
            #expect(event?.detail == "certificate check on resumption: revoked" && event?.explanation.contains("keyCompromise") == true,
                    "\(endpoint): the event says why: \(String(describing: event))")
            if endpoint == .h2 {
                #expect(!lab.events.contains { $0.endpoint == "https" && $0.alpn == "h2" && $0.reason == "ok" && $0.client?.commonName == "device-001" && $0.resumed == true })
            } else {
                #expect(!client.answered(endpoint, resumed, mqttClientID: "bad001"), "\(endpoint): none of its bytes was acted upon: \(resumed)\n\(lab.events.suffix(3))")
            }
        }
        // The good device still resumes after the revocation of the other.
        let still = try client.connect(.echo, as: "device-002", tls: tls, session: "echo-device-002.sess", save: false)
        #expect(still.stdout.contains("Reused, \(version)") && client.answered(.echo, still), "\(still)")

        // Revoking its authority takes the good device's sessions away too.
        #expect(try Pkilab.run(["revoke", "issuing"], in: scratch.path).status == 0)
        let before = lab.events.count
        let underRevoked = try client.connect(.echo, as: "device-002", tls: tls, session: "echo-device-002.sess", save: false)
        #expect(!client.answered(.echo, underRevoked), "\(underRevoked)")
        let event = lab.waitForEvent { $0.reason == "resumed_session_refused" && $0.client?.commonName == "device-002" }
        #expect(event?.detail == "certificate check on resumption: revoked" && event?.explanation.contains("its authority") == true,
                "\(String(describing: event)) (\(lab.events.count - before) new events)")
    }

    @Test("A certificate that expires after its session was made cannot resume it (resumed_session_refused, expired); after a restart with --lab-clock-offset, old sessions are not resumed at all and the full handshake refuses it as expired")
    func expiredCannotResume() throws {
        let scratch = try Scratch(lab: Scratch.lab(extra: "  brief: { issuer: issuing, role: client, validity: 90s }"))
        defer { scratch.remove() }
        var lab = try LabProcess(scratch: scratch)
        let client = ResumingClient(lab: lab)
        try client.writeInputs()
        let first = try client.connect(.echo, as: "brief", tls: "-tls1_3", session: "brief.sess", save: true)
        #expect(first.stdout.contains("New, TLSv1.3") && client.answered(.echo, first), "\(first)")
        let device = try client.connect(.echo, as: "device-001", tls: "-tls1_3", session: "device.sess", save: true)
        #expect(device.stdout.contains("New, TLSv1.3"), "\(device)")

        // Wait until the short-lived certificate has run out (it was issued by pkilab up, valid 45 s from then).
        let end = try Run.program("openssl", ["x509", "-in", "ca/certs/brief/cert.pem", "-noout", "-enddate"], cwd: scratch.path).stdout
        let notAfter = try #require(opensslDate(end), "\(end)")
        #expect(notAfter.timeIntervalSinceNow < 60, "valid for at most 45 s after issuance: \(end)")
        Thread.sleep(forTimeInterval: max(0, notAfter.timeIntervalSinceNow + 1.5))

        let resumed = try client.connect(.echo, as: "brief", tls: "-tls1_3", session: "brief.sess", save: false)
        if EngineUnderTest.isOpenSSL {
            // OpenSSL asks before it takes the ticket: a full handshake, refused as expired (alert 45).
            #expect(!resumed.stdout.contains("Reused") && !client.answered(.echo, resumed), "\(resumed)")
            let event = lab.waitForEvent { $0.reason == "expired" && $0.client?.commonName == "brief" }
            #expect(event?.resumed != true && event?.detail?.contains("sent alert 45") == true, "\(String(describing: event))")
        } else {
            #expect(resumed.stdout.contains("Reused, TLSv1.3") && !client.answered(.echo, resumed), "\(resumed)")
            let event = lab.waitForEvent { $0.reason == "resumed_session_refused" }
            #expect(event?.detail == "certificate check on resumption: expired" && event?.client?.commonName == "brief", "\(String(describing: event))")
        }
        lab.stop()

        // The lab's clock can only move with a restart: new TLS contexts, whose tickets the old sessions are not.
        lab = try LabProcess(scratch: scratch, arguments: ["--lab-clock-offset", "3y"])
        defer { lab.stop() }
        let restarted = ResumingClient(lab: lab)
        let afterRestart = try restarted.connect(.echo, as: "device-001", tls: "-tls1_3", session: "device.sess", save: false)
        #expect(afterRestart.stdout.contains("New, TLSv1.3") || !afterRestart.stdout.contains("Reused"), "\(afterRestart)")
        #expect(!restarted.answered(.echo, afterRestart), "\(afterRestart)")
        let expired = lab.waitForEvent { $0.reason == "expired" && $0.client?.commonName == "device-001" }
        #expect(expired?.resumed != true, "\(String(describing: expired))")
    }
}
