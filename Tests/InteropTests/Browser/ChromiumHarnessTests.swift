import Foundation
import PKILabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The browser harness itself (Tests/Support/Chromium.swift), against `openssl s_server -www -Verify 1` serving a lab
/// pkilab issued: Chromium must trust the lab's root through its NSS database, present the device's exported PKCS#12
/// without a dialog, and fail precisely when either is missing.
@Suite("Chromium over the DevTools pipe: real TLS trust, client certificates, screenshots", .serialized, .timeLimit(.minutes(3)))
struct ChromiumHarnessTests {
    static let password = "browser-p12"

    /// An issued lab, its device-001 exported as PKCS#12, and `openssl s_server` on a free loopback port that demands a
    /// client certificate of the lab (`-Verify 1`) and answers with a page describing the session.
    struct MutualTLSServer {
        let scratch: Scratch
        let server: Background
        let port: Int
        var url: String { "https://127.0.0.1:\(port)/" }
        var origin: String { "https://127.0.0.1:\(port)" }
        var root: String { scratch.path + "/ca/root.pem" }
        var p12: String { scratch.path + "/ca/exports/device-001/p12/device-001.p12" }

        /// `protocolFlags`: more s_server flags, such as `-tls1_2` to offer that version only.
        init(protocolFlags: [String] = []) throws {
            scratch = try Scratch(lab: Scratch.lab())
            let issued = try Pkilab.run(["issue"], in: scratch.path)
            try #require(issued.status == 0, "\(issued)")
            let exported = try Pkilab.run(["export", "device-001", "--format", "p12", "--password", "pass:\(ChromiumHarnessTests.password)"], in: scratch.path)
            try #require(exported.status == 0, "\(exported)")
            port = try freePort()
            server = try Background("openssl", ["s_server", "-accept", "127.0.0.1:\(port)", "-www", "-Verify", "1", "-CAfile", "ca/root.pem",
                                                "-cert", "ca/certs/server/cert.pem", "-cert_chain", "ca/certs/server/chain.pem",
                                                "-key", "ca/certs/server/key.pem"] + protocolFlags, cwd: scratch.path)
            try #require(server.waitForLine { $0.contains("ACCEPT") }, "s_server did not start: \(server.output.string)")
        }

        func stop() {
            server.stop()
            scratch.remove()
        }
    }

    /// Fails the test (never skips it) when there is no browser to drive.
    static func requireChromium() throws {
        try #require(ChromiumSession.executable() != nil,
                     "the browser tests drive headless Chromium: apt-get install chromium libnss3-tools (scripts/test installs them)")
    }

    @Test("trusting the lab's root, with device-001's p12 auto-selected: s_server's page names the client certificate; a 1280×720 PNG is written")
    func mutualTLS() throws {
        try Self.requireChromium()
        let lab = try MutualTLSServer()
        defer { lab.stop() }
        let browser = try ChromiumSession(trustedRoots: [lab.root], clientCertificates: [(lab.p12, Self.password)], autoSelectCertificateFor: [lab.origin])
        defer { browser.close() }
        try browser.navigate(lab.url)
        let text = try #require(try browser.evaluate("document.body.innerText") as? String)
        #expect(text.contains("Protocol  : TLSv1.3"), "\(text.prefix(2_000))")
        let afterClientLine = try #require(text.range(of: "Client certificate").map { text[$0.upperBound...] }, "no client certificate: \(text.prefix(2_000))")
        #expect(afterClientLine.contains("Subject: CN=device-001"), "\(afterClientLine.prefix(1_500))")
        #expect(afterClientLine.contains("Issuer: CN=CLI Test Issuing"), "\(afterClientLine.prefix(1_500))")
        // The very certificate pkilab issued, as s_server prints it in PEM (whitespace aside).
        let issued = try String(contentsOfFile: lab.scratch.path + "/ca/certs/device-001/cert.pem", encoding: .utf8)
        let squeeze = { (text: Substring) in text.filter { !$0.isWhitespace } }
        #expect(squeeze(afterClientLine).contains(squeeze(issued[...])), "the page's client certificate is not ca/certs/device-001/cert.pem")
        #expect(browser.pageErrors.isEmpty, "\(browser.pageErrors)")
        // The screenshot shows the client certificate s_server saw.
        try browser.evaluate("window.find('Client certificate')")
        let path = try browser.screenshot(named: "chromium-harness-mutual-tls")
        #expect(path.hasPrefix(Artefacts.directory("browser")) && path.hasSuffix(".png"))
        let png = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        try #require(png.count > 33, "\(png.count) bytes")
        #expect(png[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "the PNG signature")
        #expect(Array(png[12..<16]) == Array("IHDR".utf8))
        let big = { (at: Int) in png[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        #expect(big(16) == 1280 && big(20) == 720, "IHDR says \(big(16))×\(big(20))")
    }

    @Test("without the lab's root the navigation fails with net::ERR_CERT_AUTHORITY_INVALID")
    func untrustedRoot() throws {
        try Self.requireChromium()
        let lab = try MutualTLSServer()
        defer { lab.stop() }
        let browser = try ChromiumSession(clientCertificates: [(lab.p12, Self.password)], autoSelectCertificateFor: [lab.origin])
        defer { browser.close() }
        let error = #expect(throws: ChromiumError.self) { try browser.navigate(lab.url) }
        #expect(error?.message.contains("failed: net::ERR_CERT_AUTHORITY_INVALID") == true, "\(String(describing: error))")
    }

    /// TLS 1.2 refuses inside the handshake, before Chromium sends a request: the server's alert always arrives as
    /// net::ERR_BAD_SSL_CLIENT_AUTH_CERT. In TLS 1.3 the client finishes its handshake first and s_server's alert
    /// (certificate required) races with the socket's close: Chromium reports the alert or, when the reset came first,
    /// net::ERR_SOCKET_NOT_CONNECTED (five runs in eight here, on loopback).
    @Test("trusting the root but with no client certificate: s_server -Verify 1 refuses and the navigation fails",
          arguments: [("-tls1_2", ["net::ERR_BAD_SSL_CLIENT_AUTH_CERT"]), ("-tls1_3", ["net::ERR_BAD_SSL_CLIENT_AUTH_CERT", "net::ERR_SOCKET_NOT_CONNECTED"])])
    func noClientCertificate(version: String, errors: [String]) throws {
        try Self.requireChromium()
        let lab = try MutualTLSServer(protocolFlags: [version])
        defer { lab.stop() }
        let browser = try ChromiumSession(trustedRoots: [lab.root], autoSelectCertificateFor: [lab.origin])
        defer { browser.close() }
        let error = #expect(throws: ChromiumError.self) { try browser.navigate(lab.url) }
        #expect(errors.contains { error?.message.hasSuffix("failed: " + $0) == true }, "\(String(describing: error))")
        #expect(error?.isTimeout == false)
        #expect(lab.server.waitForLine(timeout: 5) { $0.contains("peer did not return a certificate") }, "\(lab.server.output.string)")
    }

    @Test("a client certificate in the database but no auto-select pattern: the navigation waits for a dialog and times out")
    func noAutoSelect() throws {
        try Self.requireChromium()
        let lab = try MutualTLSServer()
        defer { lab.stop() }
        let browser = try ChromiumSession(trustedRoots: [lab.root], clientCertificates: [(lab.p12, Self.password)])
        defer { browser.close() }
        let error = #expect(throws: ChromiumError.self) { try browser.navigate(lab.url, timeout: 4) }
        #expect(error?.message.contains("did not finish within 4.0 s") == true, "\(String(describing: error))")
        #expect(error?.isTimeout == true)
    }

    @Test("evaluate and waitUntil on a data: URL; a thrown or rejected error surfaces with its message; console errors are collected")
    func evaluateAndWait() throws {
        try Self.requireChromium()
        let browser = try ChromiumSession()
        defer { browser.close() }
        let page = """
            <!doctype html><title>harness</title><p id="greeting">hello from the page</p>
            <script>setTimeout(() => { document.body.dataset.ready = "yes"; console.error("late trouble"); }, 300);</script>
            """
        try browser.navigate("data:text/html;base64," + Data(page.utf8).base64EncodedString())
        #expect(try browser.evaluate("document.getElementById('greeting').textContent") as? String == "hello from the page")
        #expect(try browser.evaluate("6 * 7") as? Int == 42)
        #expect(try browser.evaluate("[1, 'two', {three: true}]") as? NSArray == [1, "two", ["three": true]] as NSArray)
        #expect(try browser.evaluate("undefined") == nil)
        #expect(try browser.evaluate("null") == nil)
        #expect(try browser.evaluate("new Promise(resolve => setTimeout(() => resolve('later'), 100))", awaitPromise: true) as? String == "later")
        try browser.waitUntil("document.body.dataset.ready === 'yes'")
        #expect(browser.pageErrors == ["console.error: late trouble"], "\(browser.pageErrors)")
        #expect(browser.consoleMessages == ["error: late trouble"], "\(browser.consoleMessages)")

        let thrown = #expect(throws: ChromiumError.self) { try browser.evaluate("throw new TypeError('boom from the page')") }
        #expect(thrown?.message.contains("TypeError: boom from the page") == true, "\(String(describing: thrown))")
        let rejected = #expect(throws: ChromiumError.self) {
            try browser.evaluate("Promise.reject(new Error('refused later'))", awaitPromise: true)
        }
        #expect(rejected?.message.contains("Error: refused later") == true, "\(String(describing: rejected))")
        let late = #expect(throws: ChromiumError.self) { try browser.waitUntil("document.title === 'never'", timeout: 0.5) }
        #expect(late?.message.contains("document.title === 'never' was not true within 0.5 s") == true, "\(String(describing: late))")
        #expect(late?.message.contains("hello from the page") == true, "the page's text is in the message: \(String(describing: late))")
        #expect(late?.isTimeout == true && thrown?.isTimeout == false)

        try browser.evaluate("setTimeout(() => { throw new RangeError('uncaught in a timer') }, 0); 1")
        try browser.waitUntil("true")
        let sawUncaught = (0..<40).contains { _ in
            if browser.pageErrors.contains(where: { $0.contains("RangeError: uncaught in a timer") }) { return true }
            usleep(50_000)
            return false
        }
        #expect(sawUncaught, "\(browser.pageErrors)")
    }

    @Test("the browser holds no descriptor of the test runner (fds 3 and 4 are its DevTools pipes); close kills its whole process group and removes its home and profile")
    func descriptorsAndClose() throws {
        try Self.requireChromium()
        // A pipe of the runner's that is not close-on-exec: a careless spawn would pass it on.
        let runnerPipe = Pipe()
        defer { try? runnerPipe.fileHandleForReading.close() }
        _ = fcntl(runnerPipe.fileHandleForWriting.fileDescriptor, F_SETFD, 0)
        let runnerEnd = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(runnerPipe.fileHandleForWriting.fileDescriptor)")
        let browser = try ChromiumSession()
        let pid = browser.processIdentifier, folder = browser.temporaryFolder
        #expect(kill(pid, 0) == 0 && FileManager.default.fileExists(atPath: folder))
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").compactMap { fd in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")).map { (Int(fd) ?? -1, $0) }
        }
        #expect(!descriptors.contains { $0.1 == runnerEnd }, "the browser inherited \(runnerEnd): \(descriptors)")
        for fd in [3, 4] {
            #expect(descriptors.contains { $0.0 == fd && $0.1.hasPrefix("pipe:") }, "fd \(fd): \(descriptors)")
        }
        try? runnerPipe.fileHandleForWriting.close()
        browser.close()
        #expect(browser.hasExited)
        // Helpers killed with it are reaped by init: give that a moment.
        let groupGone = (0..<100).contains { _ in
            if kill(-pid, 0) == -1 && errno == ESRCH { return true }
            usleep(50_000)
            return false
        }
        #expect(groupGone, "a process of the browser's group survived")
        #expect(!FileManager.default.fileExists(atPath: folder))
        browser.close()
    }
}

extension ChromiumHarnessTests {
    @Test("a browser killed under the harness makes the next call fail at once, not at its deadline, and does not take the runner with it (SIGPIPE)")
    func browserDies() throws {
        try Self.requireChromium()
        let browser = try ChromiumSession()
        defer { browser.close() }
        #expect(try browser.evaluate("'alive'") as? String == "alive")
        kill(browser.processIdentifier, SIGKILL)
        let started = Date()
        // The first call may still be written into the pipe before the browser's end closes; later ones meet EPIPE.
        for _ in 0..<3 {
            let error = #expect(throws: ChromiumError.self) { try browser.evaluate("1", timeout: 10) }
            let message = error?.message ?? ""
            #expect(message.contains("Chromium ended during Runtime.evaluate") || message.contains("Broken pipe"), "\(message)")
        }
        #expect(Date().timeIntervalSince(started) < 5, "took \(Date().timeIntervalSince(started)) s")
        // Its pipe closes as it exits, a moment before it can be reaped.
        let reaped = (0..<100).contains { _ in
            if browser.hasExited { return true }
            usleep(20_000)
            return false
        }
        #expect(reaped)
    }
}
