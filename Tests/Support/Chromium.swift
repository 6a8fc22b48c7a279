import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A headless Chromium with a throw-away profile, driven over the Chrome DevTools Protocol on
/// `--remote-debugging-pipe`, showing one page (a target attached with `flatten: true`; every page command carries
/// its session id).
///
/// TLS trust is real: no `--ignore-certificate-errors`. The browser trusts its built-in roots plus `trustedRoots`,
/// presents the certificates of `clientCertificates`, and runs with `HOME` in a temporary folder, so the NSS
/// database of the user running the tests is never read or changed. Every call has a deadline; ``close()`` (or
/// deinit) kills the browser's process group and removes the temporary folder.
public final class ChromiumSession: @unchecked Sendable {
    private let profile: ChromiumProfile
    private let process: ChromiumProcess
    private let connection: DevToolsConnection
    private let sessionId: String
    private let messages: ConsoleLog
    private let closeLock = NSLock()
    private var closed = false

    /// The chromium binary: `$PKILAB_CHROMIUM`, else `chromium`, `chromium-browser`, `google-chrome` or
    /// `google-chrome-stable` on PATH; nil when there is none (then a test must fail and say `apt-get install chromium`).
    public static func executable() -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["PKILAB_CHROMIUM"], !path.isEmpty {
            return FileManager.default.isExecutableFile(atPath: path) ? path : nil
        }
        let folders = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
        for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
            for folder in folders where FileManager.default.isExecutableFile(atPath: folder + "/" + name) {
                return folder + "/" + name
            }
        }
        return nil
    }

    /// Starts the browser and opens a blank page.
    ///
    /// - Parameters:
    ///   - trustedRoots: PEM files of CAs to trust for web sites (imported with `certutil -A -t "C,,"` into the
    ///     profile's NSS database, `$HOME/.pki/nssdb`).
    ///   - clientCertificates: PKCS#12 files and their passwords, imported with `pk12util` into that database.
    ///   - autoSelectCertificateFor: origins such as `https://127.0.0.1:8444` (content-settings patterns; no other
    ///     form is tried here) for which Chromium presents a client certificate from the database without asking:
    ///     the `auto_select_certificate` content setting in the profile's `Default/Preferences`. Without it, a
    ///     server asking for a certificate while the database holds one leaves the navigation waiting for a dialog
    ///     headless Chromium never shows (``navigate(_:timeout:)`` then times out); with an empty database Chromium
    ///     sends no certificate.
    ///   - width: The page's width in CSS pixels (screenshots are this wide).
    ///   - height: The page's height in CSS pixels.
    ///   - timeout: Seconds the browser has to start and open the page.
    /// - Throws: ``ChromiumError`` when Chromium or the NSS tools are missing, an import fails, or the browser does
    ///   not come up in time (with the end of its stderr).
    public init(trustedRoots: [String] = [], clientCertificates: [(path: String, password: String)] = [], autoSelectCertificateFor: [String] = [],
                width: Int = 1280, height: Int = 720, timeout: TimeInterval = 20) throws {
        guard let executable = Self.executable() else {
            throw ChromiumError("Chromium is not installed: apt-get install chromium (scripts/test installs it), or set PKILAB_CHROMIUM to the binary")
        }
        let deadline = Date().addingTimeInterval(timeout)
        profile = try ChromiumProfile(trustedRoots: trustedRoots, clientCertificates: clientCertificates, autoSelectCertificateFor: autoSelectCertificateFor)
        let log = profile.folder + "/chromium.log"
        let arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                         "--remote-debugging-pipe", "--user-data-dir=\(profile.userDataDir)", "--window-size=\(width),\(height)",
                         "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--disable-features=Translate,MediaRouter", "--password-store=basic",
                         "--mute-audio", "about:blank"]
        let profile = self.profile, process: ChromiumProcess
        do {
            process = try ChromiumProcess(executable: executable, arguments: arguments, environment: ["HOME": profile.home], log: log)
        } catch {
            profile.remove()
            throw error
        }
        self.process = process
        let messages = ConsoleLog()
        self.messages = messages
        let connection = DevToolsConnection(process: process, log: log) { messages.record($0) }
        self.connection = connection
        do {
            let left = { max(deadline.timeIntervalSinceNow, 0.1) }
            let target = try connection.call("Target.createTarget", ["url": "about:blank"], timeout: left())
            guard let targetId = target["targetId"] as? String else { throw ChromiumError("Target.createTarget gave no targetId: \(target)") }
            let attached = try connection.call("Target.attachToTarget", ["targetId": targetId, "flatten": true], timeout: left())
            guard let sessionId = attached["sessionId"] as? String else { throw ChromiumError("Target.attachToTarget gave no sessionId: \(attached)") }
            self.sessionId = sessionId
            for method in ["Page.enable", "Runtime.enable"] {
                _ = try connection.call(method, sessionId: sessionId, timeout: left())
            }
            _ = try connection.call("Emulation.setDeviceMetricsOverride", ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": false],
                                    sessionId: sessionId, timeout: left())
        } catch {
            connection.stop()
            process.kill()
            profile.remove()
            throw ChromiumError("Chromium did not start: \(error)\(connection.stderrTail())")
        }
    }

    /// Loads `url` and waits (at most `timeout` seconds in all) for the page's load event.
    /// - Throws: ``ChromiumError`` naming the network error when the navigation fails (`net::ERR_CERT_AUTHORITY_INVALID`,
    ///   `net::ERR_BAD_SSL_CLIENT_AUTH_CERT`, `net::ERR_CONNECTION_REFUSED`, …), or when it does not finish in time.
    public func navigate(_ url: String, timeout: TimeInterval = 15) throws {
        let deadline = Date().addingTimeInterval(timeout)
        let mark = connection.eventCount
        let result: [String: Any]
        do {
            result = try connection.call("Page.navigate", ["url": url], sessionId: sessionId, timeout: timeout)
        } catch let error as ChromiumError where error.isTimeout {
            throw ChromiumError("navigating to \(url) did not finish within \(DevToolsConnection.seconds(timeout)) (a server asking for a client "
                                + "certificate that no auto-select pattern covers leaves headless Chromium waiting for a dialog)", isTimeout: true)
        }
        if let text = result["errorText"] as? String, !text.isEmpty {
            throw ChromiumError("navigating to \(url) failed: \(text)")
        }
        // A navigation within the document (a #fragment) has no loader and no load event.
        guard result["loaderId"] != nil else { return }
        let loaded = connection.waitForEvent(after: mark, sessionId: sessionId, timeout: max(deadline.timeIntervalSinceNow, 0)) {
            $0.method == "Page.loadEventFired"
        }
        guard loaded != nil else {
            let ended = connection.hasEnded
            throw ChromiumError("\(url) did not finish loading within \(DevToolsConnection.seconds(timeout))\(ended ? connection.stderrTail() : "")",
                                isTimeout: !ended)
        }
    }

    /// Evaluates `expression` in the page (`Runtime.evaluate` with `returnByValue`), waiting for its promise when
    /// `awaitPromise`.
    /// - Returns: The value as `JSONSerialization` gives it (String, NSNumber for numbers and booleans, arrays,
    ///   dictionaries); nil for `undefined` and `null`.
    /// - Throws: ``ChromiumError`` with the exception's text (`TypeError: message`, its stack, line and column) when
    ///   the expression throws or its promise rejects; or when the page does not answer within `timeout` seconds.
    @discardableResult
    public func evaluate(_ expression: String, awaitPromise: Bool = false, timeout: TimeInterval = 10) throws -> Any? {
        let result = try connection.call("Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": awaitPromise],
                                         sessionId: sessionId, timeout: timeout)
        if let details = result["exceptionDetails"] as? [String: Any] {
            throw ChromiumError("JavaScript threw evaluating \(expression.prefix(200)): \(ConsoleLog.describe(exception: details))")
        }
        guard let value = (result["result"] as? [String: Any])?["value"], !(value is NSNull) else { return nil }
        return value
    }

    /// Evaluates the JavaScript expression `condition` every 50 ms until it is truthy, at most `timeout` seconds (an
    /// evaluation that throws counts as false).
    /// - Throws: ``ChromiumError`` with the condition and the first 500 characters of the page's
    ///   `document.body.innerText` when the time is up.
    public func waitUntil(_ condition: String, timeout: TimeInterval = 10) throws {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            let left = max(deadline.timeIntervalSinceNow, 0.5)
            if let value = try? evaluate("Boolean(\(condition))", timeout: left) as? Bool, value { return }
            if connection.hasEnded { break }
            usleep(50_000)
        } while Date() < deadline
        let text = (try? evaluate("document.body ? document.body.innerText.slice(0, 500) : '(no body)'", timeout: 2) as? String) ?? "(unreadable)"
        throw ChromiumError("\(condition) was not true within \(DevToolsConnection.seconds(timeout)); the page says:\n\(text)", isTimeout: true)
    }

    /// Captures the page's viewport (`Page.captureScreenshot`, PNG, `width`×`height` pixels) into
    /// `Artefacts.directory("browser")/name`: `.png` is added unless `name` ends with it, a `/` in `name` becomes `-`,
    /// and an earlier file of that name is replaced.
    /// - Returns: The file's path.
    @discardableResult
    public func screenshot(named name: String, timeout: TimeInterval = 15) throws -> String {
        let result = try connection.call("Page.captureScreenshot", ["format": "png"], sessionId: sessionId, timeout: timeout)
        guard let base64 = result["data"] as? String, let data = Data(base64Encoded: base64) else {
            throw ChromiumError("Page.captureScreenshot gave no PNG")
        }
        let file = name.replacingOccurrences(of: "/", with: "-")
        let path = Artefacts.directory("browser") + "/" + (file.hasSuffix(".png") ? file : file + ".png")
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The page's `console.error` and `console.assert` messages and uncaught exceptions, oldest first (a test asserts
    /// it is empty to say "no JavaScript errors").
    public var pageErrors: [String] { messages.errors }

    /// Every console message of the page, as `type: text` (`log: hello`), oldest first.
    public var consoleMessages: [String] { messages.all }

    /// The browser's process id, which is also its process group's.
    public var processIdentifier: pid_t { process.pid }

    /// The temporary folder holding the browser's home (its NSS database) and profile; ``close()`` removes it.
    public var temporaryFolder: String { profile.folder }

    /// Whether the browser process is gone (crashed or closed).
    public var hasExited: Bool { process.hasExited }

    /// Kills the browser and its helper processes, reaps it and removes the temporary home and profile. Safe to
    /// call more than once; deinit calls it.
    public func close() {
        closeLock.lock()
        defer { closeLock.unlock() }
        guard !closed else { return }
        closed = true
        connection.stop()
        process.kill()
        profile.remove()
    }

    deinit {
        close()
    }
}
