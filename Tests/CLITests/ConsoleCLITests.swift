import Foundation
import PKILab
import PKILabTestSupport
import Testing

/// `pkilab up --console` through curl: the page and its headers, the lab view, the live stream, the teacher's token,
/// one-time links and kits that go only to their owner's certificate; the HTTPS endpoint's `/` page with and without a
/// certificate.
@Suite("Workshop console (curl)", .serialized)
struct ConsoleCLITests {
    /// A lab with three attendees and their kits, served with the console.
    static func servedWorkshop() throws -> (scratch: Scratch, lab: LabProcess, token: String) {
        let scratch = try Scratch(lab: Scratch.lab(extra: "endpoints:\n  https: { client_auth: optional }"))
        let fleet = try Pkilab.run(["fleet", "attendee", "--count", "3"], in: scratch.path)
        #expect(fleet.status == 0, "\(fleet)")
        let kits = try Pkilab.run(["workshop", "kits"], in: scratch.path)
        #expect(kits.status == 0, "\(kits)")
        let lab = try LabProcess(scratch: scratch, arguments: ["--console", "--port", "console=0"])
        let line = try #require(lab.output.string.split(separator: "\n").first { $0.hasPrefix("Console:") }, "\(lab.output.string)")
        let token = try #require(line.split(separator: "#token=").last.map(String.init))
        #expect(token.count == 32)
        return (scratch, lab, token)
    }

    static func curl(_ scratch: Scratch, _ arguments: [String], as identity: String? = nil) throws -> RunResult {
        var base = ["-sS", "--max-time", "10", "--cacert", "ca/root.pem"]
        if let identity {
            // A fleet member has its leaf alone (the endpoints complete the chain); a lab certificate its fullchain.
            let cert = identity.hasPrefix("attendee-") ? "ca/fleet/attendee/\(identity)/cert.pem" : "ca/certs/\(identity)/fullchain.pem"
            let key = identity.hasPrefix("attendee-") ? "ca/fleet/attendee/\(identity)/key.pem" : "ca/certs/\(identity)/key.pem"
            base += ["--cert", cert, "--key", key]
        }
        return try Run.program("curl", base + arguments, cwd: scratch.path, timeout: 20)
    }

    @Test("the page, its script and style come with a Content-Security-Policy; /api/lab lists endpoints with commands, chains, kits and exercises; the token is only the teacher's")
    func pageAndLab() throws {
        let (scratch, lab, token) = try Self.servedWorkshop()
        defer { lab.stop(); scratch.remove() }
        let base = "https://localhost:\(lab.ports["console"] ?? 0)"
        let page = try Self.curl(scratch, ["-i", base + "/"])
        #expect(page.stdout.lowercased().contains("content-security-policy: default-src 'self'") && page.stdout.contains("<ol id=\"feed\""), "\(page)")
        #expect(page.stdout.lowercased().contains("x-content-type-options: nosniff"))
        for asset in ["/console.js", "/console.css"] {
            let answer = try Self.curl(scratch, ["-o", "/dev/null", "-w", "%{http_code} %{content_type}", base + asset])
            #expect(answer.stdout.hasPrefix("200 text/"), "\(asset): \(answer)")
        }
        let view = try Self.curl(scratch, [base + "/api/lab"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(view.stdout.utf8)) as? [String: Any], "\(view)")
        let endpoints = try #require(json["endpoints"] as? [[String: Any]])
        #expect(Set(endpoints.compactMap { $0["name"] as? String }).isSuperset(of: ["echo", "https", "mqtt"]))
        #expect(!endpoints.contains { $0["name"] as? String == "console" })
        let https = try #require(endpoints.first { $0["name"] as? String == "https" })
        let commands = (https["commands"] as? [[String: Any]] ?? []).compactMap { $0["command"] as? String }
        #expect(commands.contains { $0.hasPrefix("curl --cacert ca/root.pem --cert ca/certs/device-001/fullchain.pem") && $0.contains(":\(lab.httpsPort)/whoami") }, "\(commands)")
        #expect((json["kits"] as? [String]) == ["attendee-0001", "attendee-0002", "attendee-0003"])
        #expect((json["exercises"] as? [[String: Any]])?.count == WorkshopExercise.allCases.count)
        let chains = try #require(json["certificates"] as? [[String: Any]])
        let device = try #require(chains.first { $0["name"] as? String == "device-001" })
        #expect((device["links"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["device-001", "issuing", "root"])
        #expect(json["teacher"] as? Bool == false)
        #expect((json["zoo"] as? [Any])?.isEmpty == true, "no zoo without --zoo")
        let teacher = try Self.curl(scratch, ["-H", "X-PKILab-Token: \(token)", base + "/api/lab"])
        #expect(teacher.stdout.contains("\"teacher\":true"))
        let wrong = try Self.curl(scratch, ["-H", "X-PKILab-Token: \(String(repeating: "0", count: 32))", base + "/api/lab"])
        #expect(wrong.stdout.contains("\"teacher\":false"))
    }

    @Test("the live stream shows each connection as it happens, with the identity, the reason and its words; the console's own connections are not in it")
    func liveStream() throws {
        let (scratch, lab, _) = try Self.servedWorkshop()
        defer { lab.stop(); scratch.remove() }
        let base = "https://localhost:\(lab.ports["console"] ?? 0)"
        let stream = try Background("curl", ["-sSN", "--max-time", "20", "--cacert", "ca/root.pem", base + "/events"], cwd: scratch.path)
        defer { _ = stream.stop() }
        #expect(stream.waitForLine { $0.hasPrefix("retry:") }, "\(stream.output.string)")
        _ = try Self.curl(scratch, ["https://localhost:\(lab.echoPort)/"], as: nil)
        _ = try Self.curl(scratch, ["https://localhost:\(lab.httpsPort)/whoami"], as: "attendee-0002")
        #expect(stream.waitForLine { $0.contains("\"identity\":\"attendee-0002\"") && $0.contains("\"outcome\":\"accepted\"") }, "\(stream.output.string)")
        #expect(stream.waitForLine { $0.hasPrefix("event: attendee") })
        // What the device did after the handshake: its request, live.
        #expect(stream.waitForLine { $0.hasPrefix("data: ") && $0.contains("\"path\":\"/whoami\"") && $0.contains("\"identity\":\"attendee-0002\"") && $0.contains("\"status\":200") }, "\(stream.output.string)")
        // The attendee's new status: first-connection passed.
        #expect(stream.waitForLine { line in
            guard line.hasPrefix("data: "), line.contains("\"exercises\""),
                  let status = try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any],
                  status["identity"] as? String == "attendee-0002",
                  let exercises = status["exercises"] as? [String: [String: Any]] else { return false }
            return exercises[WorkshopExercise.firstConnection.rawValue]?["status"] as? String == "passed"
        }, "\(stream.output.string)")
        // The curl without a certificate at the echo endpoint: refused, in words.
        let text = stream.output.string
        #expect(text.contains("\"endpoint\":\"echo\"") && text.contains("\"outcome\":\"rejected\""), "\(text)")
        #expect(!text.contains("\"endpoint\":\"console\""))
        let board = try Self.curl(scratch, [base + "/api/board"])
        #expect(board.stdout.contains("\"identity\":\"attendee-0001\"") && board.stdout.contains("\"identity\":\"attendee-0002\""), "\(board)")
    }

    @Test("a one-time link needs the token, works once for its kit; /kit gives a kit only to the certificate it was made for")
    func kitsAndLinks() throws {
        let (scratch, lab, token) = try Self.servedWorkshop()
        defer { lab.stop(); scratch.remove() }
        let base = "https://localhost:\(lab.ports["console"] ?? 0)"
        let zip = try #require(FileManager.default.contents(atPath: scratch.path + "/ca/workshop/kits/attendee-0002.zip"))
        let body = #"{"identity":"attendee-0002"}"#
        let refused = try Self.curl(scratch, ["-w", "\n%{http_code}", "--data", body, base + "/api/links"])
        #expect(refused.stdout.hasSuffix("403") && refused.stdout.contains("teacher's token"), "\(refused)")
        let made = try Self.curl(scratch, ["-H", "X-PKILab-Token: \(token)", "-H", "Content-Type: application/json", "--data", body, base + "/api/links"])
        let link = try #require(try JSONSerialization.jsonObject(with: Data(made.stdout.utf8)) as? [String: Any], "\(made)")
        let path = try #require(link["path"] as? String)
        #expect(path.hasPrefix("/kits/attendee-0002.zip?ticket="))
        let first = try Self.curl(scratch, ["-o", "kit.zip", "-w", "%{http_code}", base + path])
        #expect(first.stdout == "200" && FileManager.default.contents(atPath: scratch.path + "/kit.zip") == zip, "\(first)")
        let second = try Self.curl(scratch, ["-w", "\n%{http_code}", base + path])
        #expect(second.stdout.hasSuffix("403") && second.stdout.contains("already used"), "\(second)")
        let guessed = try Self.curl(scratch, ["-w", "\n%{http_code}", base + "/kits/attendee-0003.zip?ticket=" + (path.split(separator: "=").last.map(String.init) ?? "")])
        #expect(guessed.stdout.hasSuffix("403"))

        let own = try Self.curl(scratch, ["-o", "own.zip", "-w", "%{http_code}", base + "/kit"], as: "attendee-0002")
        #expect(own.stdout == "200" && FileManager.default.contents(atPath: scratch.path + "/own.zip") == zip, "\(own)")
        let none = try Self.curl(scratch, ["-w", "\n%{http_code}", base + "/kit"])
        #expect(none.stdout.hasSuffix("401") && none.stdout.contains("no client certificate"), "\(none)")
        let stranger = try Self.curl(scratch, ["-w", "\n%{http_code}", base + "/kit"], as: "device-001")
        #expect(stranger.stdout.hasSuffix("404") && stranger.stdout.contains("no kit for device-001"), "\(stranger)")
    }

    @Test("the HTTPS / page: with a certificate, mutual TLS, serial, fingerprint and key; without one (client_auth: optional), server authentication only")
    func homePage() throws {
        let (scratch, lab, _) = try Self.servedWorkshop()
        defer { lab.stop(); scratch.remove() }
        let url = "https://localhost:\(lab.httpsPort)/"
        let with = try Self.curl(scratch, [url], as: "device-001")
        let fingerprint = try Run.program("openssl", ["x509", "-in", "ca/certs/device-001/cert.pem", "-noout", "-fingerprint", "-sha256"], cwd: scratch.path)
        let hex = fingerprint.stdout.split(separator: "=").last.map { $0.replacingOccurrences(of: ":", with: "").lowercased().trimmingCharacters(in: .whitespacesAndNewlines) } ?? "?"
        #expect(with.stdout.contains("Mutual TLS worked") && with.stdout.contains(hex) && with.stdout.contains("EC P-256"), "\(with)")
        #expect(with.stdout.contains("<a href=\"/whoami\">/whoami</a>"))
        let without = try Self.curl(scratch, [url])
        #expect(without.stdout.contains("Server authentication only") && !without.stdout.contains("Mutual TLS worked"), "\(without)")
    }
}
