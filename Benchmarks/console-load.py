#!/usr/bin/env python3
"""console-load.py: N TLS clients connect in a loop to a lab endpoint while headless Chromium shows the
workshop console; prints how many events per second the lab recorded and how many the page took in.

Used by Benchmarks/bench-console (run that). The browser is driven over the DevTools protocol on a pipe
(--remote-debugging-pipe: fd 3 commands, fd 4 replies, NUL-separated JSON) and trusts the lab root through
its own NSS database (certutil), never by ignoring certificate errors.
"""
import argparse, base64, json, os, select, shutil, socket, ssl, subprocess, tempfile, threading, time, urllib.request


class Browser:
    def __init__(self, root_pem):
        self.home = tempfile.mkdtemp(prefix="bench-console-")
        nss = os.path.join(self.home, ".pki", "nssdb")
        os.makedirs(nss)
        subprocess.run(["certutil", "-N", "-d", "sql:" + nss, "--empty-password"], check=True)
        subprocess.run(["certutil", "-A", "-d", "sql:" + nss, "-n", "pkilab-root", "-t", "C,,", "-i", root_pem], check=True)
        to_browser, self.commands = os.pipe()
        self.replies, from_browser = os.pipe()

        def wire():
            os.dup2(to_browser, 3)
            os.dup2(from_browser, 4)

        self.process = subprocess.Popen(
            [shutil.which("chromium") or "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--remote-debugging-pipe", "--user-data-dir=" + os.path.join(self.home, "profile"), "--window-size=1280,720",
             "about:blank"],
            preexec_fn=wire, pass_fds=(3, 4, to_browser, from_browser), env=dict(os.environ, HOME=self.home),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser)
        os.close(from_browser)
        self.buffer, self.next_id, self.session = b"", 0, None
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable")

    def call(self, method, params=None, timeout=20):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if self.session:
            message["sessionId"] = self.session
        os.write(self.commands, json.dumps(message).encode() + b"\0")
        deadline = time.time() + timeout
        while time.time() < deadline:
            while b"\0" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") == self.next_id:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply.get("result", {})
            ready, _, _ = select.select([self.replies], [], [], 0.2)
            if ready:
                self.buffer += os.read(self.replies, 1 << 20)
        raise TimeoutError(method)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        return result.get("result", {}).get("value")

    def cpu_seconds(self):
        """CPU time of the browser and every process it started (renderer, GPU, network)."""
        ticks, tick = 0, os.sysconf("SC_CLK_TCK")
        family = {self.process.pid}
        stats = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    stats[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
                except (OSError, IndexError):
                    pass
        changed = True
        while changed:
            changed = False
            for pid, (parent, _) in stats.items():
                if parent in family and pid not in family:
                    family.add(pid)
                    changed = True
        for pid in family:
            ticks += stats.get(pid, (0, 0))[1]
        return ticks / tick

    def close(self):
        self.process.kill()
        self.process.wait()
        shutil.rmtree(self.home, ignore_errors=True)


def last_event_id(console, root):
    context = ssl.create_default_context(cafile=root)
    with urllib.request.urlopen(console + "api/events?limit=1", context=context, timeout=10) as answer:
        events = json.load(answer)
    return events[-1]["id"] if events else 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--console", required=True)
    parser.add_argument("--echo", required=True, help="host:port of the TLS echo endpoint")
    parser.add_argument("--root", required=True)
    parser.add_argument("--fleet", required=True, help="ca/fleet/NAME: one member per client")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--refuse-every", type=int, default=5, help="every Nth connection sends no certificate")
    parser.add_argument("--screenshot")
    arguments = parser.parse_args()
    host, port = arguments.echo.rsplit(":", 1)
    members = sorted(os.listdir(arguments.fleet))[: arguments.clients]
    if len(members) < arguments.clients:
        raise SystemExit(f"the fleet has {len(members)} members, {arguments.clients} clients asked")

    browser = Browser(arguments.root)
    try:
        browser.call("Page.navigate", {"url": arguments.console})
        deadline = time.time() + 20
        while browser.evaluate("document.getElementById('status') && document.getElementById('status').dataset.state") != "live":
            if time.time() > deadline:
                raise SystemExit("the console page did not go live within 20 s")
            time.sleep(0.1)
        start_id = last_event_id(arguments.console, arguments.root)
        while int(browser.evaluate("Number(document.getElementById('counts').dataset.lastId || 0)") or 0) < start_id:
            if time.time() > deadline:
                raise SystemExit("the console page did not show the lab's earlier events within 20 s")
            time.sleep(0.05)
        received_before = int(browser.evaluate("Number(document.getElementById('counts').dataset.received || 0)") or 0)
        counts = {"ok": 0, "refused": 0, "errors": 0}
        lock = threading.Lock()
        stop_at = time.time() + arguments.seconds

        def client(member):
            with_cert = ssl.create_default_context(cafile=arguments.root)
            folder = os.path.join(arguments.fleet, member)
            # A fleet member has its leaf alone: the endpoints complete the chain (client_chain: complete).
            with_cert.load_cert_chain(os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem"))
            without = ssl.create_default_context(cafile=arguments.root)
            n = 0
            while time.time() < stop_at:
                n += 1
                refuse = arguments.refuse_every and n % arguments.refuse_every == 0
                try:
                    with socket.create_connection((host, int(port)), timeout=5) as raw:
                        with (without if refuse else with_cert).wrap_socket(raw, server_hostname="localhost") as tls:
                            tls.sendall(b"ping\n")
                            tls.recv(16)
                    kind = "ok"
                except (ssl.SSLError, OSError):
                    kind = "refused" if refuse else "errors"
                with lock:
                    counts[kind] += 1

        cpu_before = browser.cpu_seconds()
        started = time.time()
        threads = [threading.Thread(target=client, args=(m,)) for m in members]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.time() - started
        end_id = last_event_id(arguments.console, arguments.root)
        caught = None
        deadline = time.time() + 30
        while time.time() < deadline:
            seen = int(browser.evaluate("Number(document.getElementById('counts').dataset.lastId || 0)") or 0)
            if seen >= end_id:
                caught = time.time() - started - elapsed
                break
            time.sleep(0.05)
        received = int(browser.evaluate("Number(document.getElementById('counts').dataset.received || 0)") or 0) - received_before
        cpu = browser.cpu_seconds() - cpu_before
        if arguments.screenshot:
            png = browser.call("Page.captureScreenshot", {"format": "png"})["data"]
            with open(arguments.screenshot, "wb") as out:
                out.write(base64.b64decode(png))
        lab_events = end_id - start_id
        print(json.dumps({
            "clients": arguments.clients, "seconds": round(elapsed, 2), "connections": counts,
            "lab_events": lab_events, "lab_events_per_s": round(lab_events / elapsed, 1),
            "page_events": received, "page_missing": max(0, lab_events - received) if caught is not None else None,
            "page_catch_up_s": None if caught is None else round(caught, 2),
            "browser_cpu_s": round(cpu, 2), "browser_cpu_ms_per_event": round(1000 * cpu / max(1, received), 3)}))
    finally:
        browser.close()


if __name__ == "__main__":
    main()
