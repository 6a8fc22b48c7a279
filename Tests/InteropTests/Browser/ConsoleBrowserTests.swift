import Foundation
import PKILab
import PKILabTestSupport
import Testing

/// The workshop console in a real browser (Debian's Chromium, headless, over the DevTools protocol), trusting the lab
/// root through its own NSS database: the live page as curl, mosquitto_pub and Python make good and refused
/// connections, the board's grades, the filter, the teacher's one-time link, a kit downloaded with the attendee's .p12
/// in the browser, and accessibility basics. Screenshots land in `.build/artefacts/browser/` (or $PKILAB_ARTEFACTS).
@Suite("Workshop console (Chromium)", .serialized)
struct ConsoleBrowserTests {
    /// A lab with a per-device policy, three attendees and their kits, served with the console.
    final class Workshop: @unchecked Sendable {
        let scratch: Scratch
        let lab: LabProcess
        let token: String
        var console: String { "https://localhost:\(lab.ports["console"] ?? 0)/" }

        init(zoo: Bool = false) throws {
            scratch = try Scratch(lab: Scratch.lab(extra: "policy:\n  - allow: [publish, subscribe]\n    topics: [\"devices/${cn}/#\"]"))
            let fleet = try Pkilab.run(["fleet", "attendee", "--count", "3"], in: scratch.path)
            guard fleet.status == 0 else { throw LabProcess.Failure(message: "\(fleet)") }
            let kits = try Pkilab.run(["workshop", "kits", "--json"], in: scratch.path)
            guard kits.status == 0 else { throw LabProcess.Failure(message: "\(kits)") }
            lab = try LabProcess(scratch: scratch, arguments: ["--console", "--port", "console=0"] + (zoo ? ["--zoo", "--zoo-port", "0", "--zoo-mqtt-port", "0"] : []))
            let line = lab.output.string.split(separator: "\n").first { $0.hasPrefix("Console:") }
            guard let token = line?.split(separator: "#token=").last.map(String.init), token.count == 32 else {
                lab.stop()
                throw LabProcess.Failure(message: "no console line with a token:\n\(lab.output.string)")
            }
            self.token = token
        }

        func stop() {
            lab.stop()
            scratch.remove()
        }

        /// The kit's .p12 and its password (from the kit's password.txt).
        func p12(_ identity: String) throws -> (path: String, password: String) {
            let folder = "\(scratch.path)/ca/workshop/kits/\(identity)"
            let password = try String(contentsOfFile: "\(folder)/password.txt", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            return ("\(folder)/\(identity).p12", password)
        }

        func curl(_ arguments: [String], as identity: String? = nil) throws -> RunResult {
            var base = ["-sS", "--max-time", "10", "--cacert", "ca/root.pem"]
            if let identity {
                base += ["--cert", "ca/fleet/attendee/\(identity)/cert.pem", "--key", "ca/fleet/attendee/\(identity)/key.pem"]
            }
            return try Run.program("curl", base + arguments, cwd: scratch.path, timeout: 20)
        }

        func mosquittoPublish(as identity: String, topic: String) throws -> RunResult {
            try Run.program("mosquitto_pub", ["-h", "localhost", "-p", "\(lab.mqttPort)", "--cafile", "ca/root.pem",
                                              "--cert", "ca/fleet/attendee/\(identity)/cert.pem", "--key", "ca/fleet/attendee/\(identity)/key.pem",
                                              "-i", identity, "-t", topic, "-m", "hello", "-q", "1"], cwd: scratch.path, timeout: 20)
        }
    }

    static func browser(_ workshop: Workshop, certificate: String? = nil) throws -> ChromiumSession {
        guard ChromiumSession.executable() != nil else {
            throw LabProcess.Failure(message: "chromium is not installed: sudo apt-get install -y chromium libnss3-tools (scripts/test does it as root)")
        }
        let client = try certificate.map { [try workshop.p12($0)] } ?? []
        return try ChromiumSession(trustedRoots: [workshop.scratch.path + "/ca/root.pem"], clientCertificates: client,
                                   autoSelectCertificateFor: certificate == nil ? [] : ["https://localhost:\(workshop.lab.ports["console"] ?? 0)",
                                                                                        "https://localhost:\(workshop.lab.httpsPort)"])
    }

    /// How many elements match `selector`.
    static func count(_ browser: ChromiumSession, _ selector: String) throws -> Int {
        (try browser.evaluate("document.querySelectorAll(\(ConsoleBrowserTests.js(selector))).length") as? Int) ?? -1
    }

    /// `text` as a JavaScript string literal.
    static func js(_ text: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: [text]), as: UTF8.self).dropFirst().dropLast().description
    }

    @Test("the live page shows good and refused connections as they happen, in words; the board grades them; the filter narrows; 20 clients in a loop lose no event")
    func livePage() throws {
        let workshop = try Workshop()
        defer { workshop.stop() }
        let browser = try Self.browser(workshop)
        defer { browser.close() }
        try browser.navigate(workshop.console + "#token=" + workshop.token)
        try browser.waitUntil("document.getElementById('status').dataset.state === 'live'")
        // The token leaves the address bar at once (a projector must not show it).
        #expect(try browser.evaluate("location.href") as? String == workshop.console)
        try browser.waitUntil("document.querySelectorAll('#board-body tr').length === 3 && document.querySelectorAll('#board-head th').length === 3 + \(WorkshopExercise.allCases.count)")

        #expect(try workshop.curl(["https://localhost:\(workshop.lab.httpsPort)/whoami"], as: "attendee-0001").status == 0)
        _ = try workshop.curl(["https://localhost:\(workshop.lab.httpsPort)/whoami"])
        #expect(try workshop.mosquittoPublish(as: "attendee-0002", topic: "devices/attendee-0002/state").status == 0)
        _ = try workshop.mosquittoPublish(as: "attendee-0002", topic: "devices/attendee-0001/state")

        let accepted = "#feed li.event.accepted[data-identity='attendee-0001'][data-endpoint='https']"
        try browser.waitUntil("document.querySelector(\(Self.js(accepted))) !== null")
        // The route the device asked for after its handshake, under its connection.
        let route = "#feed li.request[data-identity='attendee-0001'][data-endpoint='https'] .route"
        try browser.waitUntil("document.querySelector(\(Self.js(route))) !== null")
        #expect(try browser.evaluate("document.querySelector(\(Self.js(route))).textContent") as? String == "GET /whoami → 200")
        _ = try browser.evaluate("document.querySelector(\(Self.js(route))).scrollIntoView({block: 'center'}); true")
        _ = try browser.screenshot(named: "console-request")
        let refused = "#feed li.event.rejected[data-reason='no_client_certificate']"
        try browser.waitUntil("document.querySelector(\(Self.js(refused))) !== null")
        let hint = try browser.evaluate("document.querySelector(\(Self.js(refused + " .hint"))).textContent") as? String
        #expect(hint?.contains("--cert") == true, "\(hint ?? "nil")")
        let outcome = try browser.evaluate("document.querySelector(\(Self.js(refused + " .outcome"))).textContent") as? String
        #expect(outcome == "✗ refused")
        let denied = "#feed li.event.rejected[data-reason='publish_denied'][data-identity='attendee-0002']"
        try browser.waitUntil("document.querySelector(\(Self.js(denied))) !== null")
        let why = try browser.evaluate("document.querySelector(\(Self.js(denied + " .why"))).textContent") as? String
        #expect(why?.contains("devices/attendee-0001/state") == true && why?.contains("policy") == true, "\(why ?? "nil")")
        let detail = try browser.evaluate("document.querySelector(\(Self.js(denied + " .detail"))).textContent") as? String
        #expect(detail?.contains("topic devices/attendee-0001/state") == true, "\(detail ?? "nil")")

        // The board: attendee-0001 passed the first exercise, attendee-0002 the policy denial too.
        let cell = { (identity: String, exercise: WorkshopExercise) in
            "#board-body tr[data-identity='\(identity)'] td[data-exercise='\(exercise.rawValue)']"
        }
        try browser.waitUntil("document.querySelector(\(Self.js(cell("attendee-0001", .firstConnection)))).dataset.status === 'passed'")
        try browser.waitUntil("document.querySelector(\(Self.js(cell("attendee-0002", .policyDenial)))).dataset.status === 'passed'")
        #expect(try browser.evaluate("document.querySelector(\(Self.js(cell("attendee-0002", .policyDenial)))).textContent") as? String == "✓ passed")
        #expect(try browser.evaluate("document.querySelector(\(Self.js(cell("attendee-0003", .firstConnection)))).dataset.status") as? String == "pending")
        _ = try browser.screenshot(named: "console-live")

        // The filter: only attendee-0002's events stay visible.
        _ = try browser.evaluate(Self.filter("attendee-0002"))
        let visible = try browser.evaluate("Array.from(document.querySelectorAll('#feed li')).filter(li => !li.hidden).map(li => li.dataset.identity)") as? [String] ?? []
        #expect(!visible.isEmpty && visible.allSatisfy { $0 == "attendee-0002" }, "\(visible)")
        _ = try browser.evaluate(Self.filter(""))

        // 20 clients connecting in a loop for 3 s (every 5th without a certificate): the page takes in every event.
        // First a quiet moment, so that an event of the steps above (a connection's close) still on its way is not
        // counted with the load's.
        let pageCount = { try browser.evaluate("Number(document.getElementById('counts').dataset.received)") as? Int ?? 0 }
        let before = try Self.settled(pageCount)
        let echoEvents = { workshop.lab.events.filter { $0.endpoint == "echo" }.count }
        let eventsBefore = echoEvents()
        let load = try Run.program("python3", ["-c", Self.loadScript, "\(workshop.lab.echoPort)"], cwd: workshop.scratch.path, timeout: 60)
        #expect(load.status == 0, "\(load)")
        // The log writes on its own queue: wait until the count stops moving.
        let made = try Self.settled(echoEvents) - eventsBefore
        #expect(made >= 20, "\(load)")
        try browser.waitUntil("Number(document.getElementById('counts').dataset.received) >= \(before + made)", timeout: 20)
        let received = try browser.evaluate("Number(document.getElementById('counts').dataset.received)") as? Int ?? 0
        #expect(received - before == made, "the page took in \(received - before) of \(made) events")
        print("console keep-up: \(made) events in 3 s from 20 clients (\(load.stdout.trimmingCharacters(in: .whitespacesAndNewlines))); the page took in \(received - before)")
        #expect(try Self.count(browser, "#feed li") <= 300, "the feed keeps at most 300 items")
        _ = try browser.screenshot(named: "console-live-under-load")

        _ = try browser.evaluate("document.getElementById('board').scrollIntoView(); true")
        _ = try browser.screenshot(named: "console-board")
        _ = try browser.evaluate("document.getElementById('lab').scrollIntoView(); true")
        _ = try browser.screenshot(named: "console-lab")
        #expect(browser.pageErrors.isEmpty, "\(browser.pageErrors)")
    }

    /// `count` once it has not moved for a second (at most 15 s).
    static func settled(_ count: () throws -> Int) throws -> Int {
        var last = try count(), still = 0
        for _ in 0..<75 where still < 5 {
            Thread.sleep(forTimeInterval: 0.2)
            let now = try count()
            still = now == last ? still + 1 : 0
            last = now
        }
        return last
    }

    /// Chooses `identity` in the page's filter (as a user does: the select changes and fires `change`).
    static func filter(_ identity: String) -> String {
        "(() => { const s = document.getElementById('identity-filter'); s.value = \(js(identity)); s.dispatchEvent(new Event('change')); return true; })()"
    }

    /// 20 Python ssl clients (attendee-0001 … 0003 in turn) connect to the echo port for 3 s; prints "ok=N refused=M".
    static let loadScript = """
        import os, socket, ssl, sys, threading, time
        port = int(sys.argv[1]); stop = time.time() + 3; counts = {"ok": 0, "refused": 0}; lock = threading.Lock()
        def run(i):
            name = "attendee-000%d" % (i % 3 + 1)
            good = ssl.create_default_context(cafile="ca/root.pem")
            good.load_cert_chain("ca/fleet/attendee/%s/cert.pem" % name, "ca/fleet/attendee/%s/key.pem" % name)
            bare = ssl.create_default_context(cafile="ca/root.pem")
            n = 0
            while time.time() < stop:
                n += 1
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
                        with (bare if n % 5 == 0 else good).wrap_socket(raw, server_hostname="localhost") as tls:
                            tls.sendall(b"x"); tls.recv(1)
                    kind = "ok"
                except (ssl.SSLError, OSError):
                    kind = "refused"
                with lock: counts[kind] += 1
        threads = [threading.Thread(target=run, args=(i,)) for i in range(20)]
        [t.start() for t in threads]; [t.join() for t in threads]
        print("ok=%d refused=%d" % (counts["ok"], counts["refused"]))
        """

    @Test("an attendee's browser with their .p12 in its NSS store downloads their own kit from /kit, and the HTTPS page says mutual TLS worked; a browser without one is told how")
    func kitByCertificate() throws {
        let workshop = try Workshop()
        defer { workshop.stop() }
        let zip = try #require(FileManager.default.contents(atPath: workshop.scratch.path + "/ca/workshop/kits/attendee-0002.zip"))
        let browser = try Self.browser(workshop, certificate: "attendee-0002")
        defer { browser.close() }
        try browser.navigate(workshop.console)
        try browser.waitUntil("document.getElementById('status').dataset.state === 'live'")
        let fetched = try browser.evaluate("""
            fetch('/kit').then(async r => { const b = new Uint8Array(await r.arrayBuffer()); \
            const d = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', b))).map(x => x.toString(16).padStart(2, '0')).join(''); \
            return [r.status, r.headers.get('content-type'), b.length, d, r.headers.get('content-disposition')]; })
            """, awaitPromise: true) as? [Any] ?? []
        #expect(fetched.first as? Int == 200 && fetched.dropFirst().first as? String == "application/zip", "\(fetched)")
        #expect(fetched.dropFirst(2).first as? Int == zip.count)
        let digest = try Run.program("sha256sum", [workshop.scratch.path + "/ca/workshop/kits/attendee-0002.zip"]).stdout.prefix(64)
        #expect(fetched.dropFirst(3).first as? String == String(digest))
        #expect((fetched.last as? String)?.contains("attendee-0002.zip") == true)

        try browser.navigate("https://localhost:\(workshop.lab.httpsPort)/")
        let page = try browser.evaluate("document.body.innerText") as? String ?? ""
        #expect(page.contains("Mutual TLS worked") && page.contains("attendee-0002"), "\(page)")
        _ = try browser.screenshot(named: "https-home-with-certificate")

        let stranger = try Self.browser(workshop)
        defer { stranger.close() }
        try stranger.navigate(workshop.console)
        let answer = try stranger.evaluate("fetch('/kit').then(async r => [r.status, await r.text()])", awaitPromise: true) as? [Any] ?? []
        #expect(answer.first as? Int == 401 && (answer.last as? String)?.contains("no client certificate") == true, "\(answer)")
    }

    @Test("the teacher's page makes a one-time link per kit; the link works once; without the token the page offers none")
    func oneTimeLink() throws {
        let workshop = try Workshop()
        defer { workshop.stop() }
        let browser = try Self.browser(workshop)
        defer { browser.close() }
        try browser.navigate(workshop.console + "#token=" + workshop.token)
        let button = "#kit-list li[data-kit='attendee-0003'] button"
        try browser.waitUntil("document.querySelector(\(Self.js(button))) !== null")
        _ = try browser.evaluate("document.querySelector(\(Self.js(button))).click(); true")
        let out = "#kit-list li[data-kit='attendee-0003'] .link-out"
        try browser.waitUntil("document.querySelector(\(Self.js(out))).textContent.includes('/kits/attendee-0003.zip?ticket=')")
        let link = try #require(try browser.evaluate("document.querySelector(\(Self.js(out))).textContent") as? String)
        _ = try browser.evaluate("document.getElementById('kits').scrollIntoView(); true")
        _ = try browser.screenshot(named: "console-kits-teacher")
        #expect(try workshop.curl(["-o", "kit.zip", "-w", "%{http_code}", link]).stdout == "200")
        #expect(try workshop.curl(["-o", "/dev/null", "-w", "%{http_code}", link]).stdout == "403")

        let watcher = try Self.browser(workshop)
        defer { watcher.close() }
        try watcher.navigate(workshop.console)
        try watcher.waitUntil("document.querySelectorAll('#kit-list li').length === 3")
        #expect(try Self.count(watcher, "#kit-list button") == 0)
        #expect(try watcher.evaluate("document.getElementById('kits-teacher').hidden") as? Bool == false)
    }

    @Test("accessibility basics at 1280×720: labelled controls, named buttons, one h1, landmarks, no horizontal scroll, text contrast at least 4.5:1")
    func accessibility() throws {
        let workshop = try Workshop(zoo: true)
        defer { workshop.stop() }
        _ = try workshop.curl(["https://localhost:\(workshop.lab.httpsPort)/whoami"], as: "attendee-0001")
        _ = try workshop.curl(["https://localhost:\(workshop.lab.httpsPort)/whoami"])
        let browser = try Self.browser(workshop)
        defer { browser.close() }
        try browser.navigate(workshop.console + "#token=" + workshop.token)
        try browser.waitUntil("document.querySelectorAll('#feed li.rejected').length > 0 && document.querySelectorAll('#board-body tr').length === 3 && document.querySelectorAll('#kit-list button').length === 3")
        // The root's fingerprint on the page, as openssl prints it for a downloaded ca.pem.
        let openssl = try Run.program("openssl", ["x509", "-in", "ca/root.pem", "-noout", "-fingerprint", "-sha256"], cwd: workshop.scratch.path)
        let fingerprint = try #require(openssl.stdout.split(separator: "=").last?.trimmingCharacters(in: .whitespacesAndNewlines))
        let shown = try browser.evaluate("document.querySelector('#authorities li[data-authority=\"root\"] .fingerprint').textContent") as? String
        #expect(shown == "SHA-256 " + fingerprint, "\(shown ?? "nil") vs \(openssl.stdout)")
        // The zoo exercise's list: every bad server with its address and what a correct client does.
        try browser.waitUntil("document.querySelectorAll('#zoo-body tr').length === \(ZooServer.allCases.count + ZooServer.mqttVariants.count)")
        #expect(try browser.evaluate("document.querySelector('#zoo-body tr[data-zoo=\"zoo-expired\"] td:nth-of-type(2)').textContent") as? String == "refuses it")
        _ = try browser.evaluate("document.getElementById('zoo-title').scrollIntoView(); true")
        _ = try browser.screenshot(named: "console-zoo")
        let unlabelled = try browser.evaluate("Array.from(document.querySelectorAll('select, input')).filter(e => e.labels.length === 0).map(e => e.id)") as? [String]
        #expect(unlabelled == [], "\(unlabelled ?? [])")
        let unnamed = try browser.evaluate("Array.from(document.querySelectorAll('button, a')).filter(e => !(e.getAttribute('aria-label') || e.textContent.trim())).length") as? Int
        #expect(unnamed == 0)
        #expect(try Self.count(browser, "h1") == 1 && Self.count(browser, "main") == 1 && Self.count(browser, "header") == 1 && Self.count(browser, "nav") == 1)
        #expect(try browser.evaluate("document.documentElement.lang") as? String == "en")
        #expect(try browser.evaluate("document.querySelector('#feed').getAttribute('aria-live')") as? String == "polite")
        #expect(try browser.evaluate("document.documentElement.scrollWidth <= 1280") as? Bool == true)
        let fontSize = try browser.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") as? Double ?? 0
        #expect(fontSize >= 18, "projector type: \(fontSize) px")
        let failures = try browser.evaluate(Self.contrastScript) as? [String] ?? ["the contrast script failed"]
        #expect(failures.isEmpty, "\(failures)")
    }

    /// Each text element's contrast against the first opaque background behind it (WCAG relative luminance); returns
    /// the elements under 4.5:1.
    static let contrastScript = """
        (() => {
          const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
          const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
          const background = (e) => { for (let n = e; n; n = n.parentElement) { const c = rgb(getComputedStyle(n).backgroundColor); if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3); } return [255, 255, 255]; };
          const failures = [];
          const selectors = ['body', 'h1', 'h2', '#status', '#counts', '.outcome', '.who', '.why', '.hint', '.detail', '.muted', 'th', 'td', '.command pre code', 'button', 'a', 'caption'];
          for (const selector of selectors) for (const e of document.querySelectorAll(selector)) {
            if (!e.textContent.trim() || e.offsetParent === null && selector !== 'body') continue;
            const a = lum(rgb(getComputedStyle(e).color)), b = lum(background(e));
            const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
            if (ratio < 4.5) failures.push(selector + ' "' + e.textContent.trim().slice(0, 30) + '": ' + ratio.toFixed(2));
          }
          return failures.slice(0, 20);
        })()
        """
}
