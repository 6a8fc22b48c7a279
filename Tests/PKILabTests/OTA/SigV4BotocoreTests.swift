import Foundation
import Testing

@testable import PKILab

/// URLs signed by a signer nobody here wrote: botocore's `S3SigV4QueryAuth` (the code under boto3's
/// `generate_presigned_url`), run by python3 at a fixed signing time, must verify inside their window and expire after.
@Suite("SigV4 cross-check: botocore's pre-signed URLs verified here")
struct SigV4BotocoreTests {
    /// botocore reads the signing time from `botocore.auth.get_current_datetime` in `S3SigV4QueryAuth.add_auth`, so
    /// replacing that function fixes it. The paths are passed encoded, as boto3's serializer does before signing;
    /// botocore signs the path as given (`_normalize_url_path` is the identity for S3).
    static let script = """
        import datetime, sys
        try:
            import botocore, botocore.auth
            from botocore.awsrequest import AWSRequest
            from botocore.credentials import Credentials
        except ImportError as error:
            print("no botocore: %s" % error, file=sys.stderr)
            sys.exit(3)
        botocore.auth.get_current_datetime = lambda *args, **kwargs: datetime.datetime(2026, 7, 1, 12, 0, 0)
        credentials = Credentials("LABKEY0000000001", "lab-secret/with+chars")
        print(botocore.__version__)
        for path in ["/firmware/app-v1.2.0.bin", "/firmware/my%20app%20%C3%BC.bin"]:
            request = AWSRequest(method="GET", url="https://localhost:9443" + path)
            botocore.auth.S3SigV4QueryAuth(credentials, "s3", "us-east-1", expires=300).add_auth(request)
            print(request.url)
        """

    /// Runs `script` with the first python3 that imports botocore (`python3` on PATH, then `/usr/bin/python3`),
    /// 20 s at most each; the output lines, or a failure naming what to install.
    static func runBotocore() throws -> [String] {
        var complaints: [String] = []
        let candidates = [
            (name: "python3 on PATH", executable: "/usr/bin/env", arguments: ["python3", "-c", script]),
            (name: "/usr/bin/python3", executable: "/usr/bin/python3", arguments: ["-c", script]),
        ]
        for (name, executable, arguments) in candidates {
            guard FileManager.default.isExecutableFile(atPath: executable) else {
                complaints.append("\(name): not found")
                continue
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            let output = Pipe()
            let errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            do { try process.run() } catch {
                complaints.append("\(name): \(error)")
                continue
            }
            let deadline = Date().addingTimeInterval(20)
            while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
                complaints.append("\(name): still running after 20 s")
                continue
            }
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            if process.terminationStatus == 0 {
                return text.split(separator: "\n").map(String.init)
            }
            complaints.append("\(name): exit \(process.terminationStatus): \(problem.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        throw BotocoreMissing(
            description:
                "python3 with botocore is needed (Debian/Ubuntu: apt-get install python3-botocore): "
                + complaints.joined(separator: "; "))
    }

    struct BotocoreMissing: Error, CustomStringConvertible {
        var description: String
    }

    @Test("botocore's URLs for localhost:9443 verify 10 s after signing and are expired 1 s after their 300 s")
    func botocoreURLs() throws {
        let lines = try Self.runBotocore()
        try #require(lines.count == 3, "botocore printed \(lines)")
        let verifier = SigV4Verifier(credentials: [SigV4VerifierTests.credentials], allowedFutureSkew: 0)
        let signedAt = SigV4VerifierTests.signedAt
        for url in lines.dropFirst() {
            let parts = SigV4VerifierTests.split(url)
            #expect(parts.host == "localhost:9443")
            func verdict(at offset: TimeInterval, method: String = "GET") -> SigV4Verdict {
                verifier.verify(
                    method: method, host: parts.host, path: parts.path, query: parts.query,
                    headers: [(name: "Host", value: parts.host), (name: "User-Agent", value: "ESP32 HTTP Client/1.0")],
                    now: signedAt.addingTimeInterval(offset))
            }
            #expect(
                verdict(at: 10)
                    == .valid(signedAt: signedAt, expiresAt: signedAt.addingTimeInterval(300), accessKeyID: "LABKEY0000000001"),
                "botocore \(lines[0]): \(url)")
            #expect(verdict(at: 301) == .expired(signedAt: signedAt, expiresAt: signedAt.addingTimeInterval(300), by: 1))
            guard case .signatureMismatch(let mismatch) = verdict(at: 10, method: "HEAD") else {
                Issue.record("HEAD on botocore's GET URL passed")
                continue
            }
            #expect(mismatch.signedForMethod == "GET")
        }
    }

    @Test("our URL for the same inputs is byte for byte botocore's")
    func sameURL() throws {
        let lines = try Self.runBotocore()
        try #require(lines.count == 3, "botocore printed \(lines)")
        let ours = SigV4Presigner.presign(
            host: "localhost:9443", path: "/firmware/app-v1.2.0.bin", credentials: SigV4VerifierTests.credentials,
            date: SigV4VerifierTests.signedAt, expires: 300)
        #expect(ours == lines[1])
        let spaced = SigV4Presigner.presign(
            host: "localhost:9443", path: "/firmware/my app ü.bin", credentials: SigV4VerifierTests.credentials,
            date: SigV4VerifierTests.signedAt, expires: 300)
        #expect(spaced == lines[2])
    }
}
