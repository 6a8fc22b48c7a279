extension ConsolePage {
    /// The page's behaviour: the live stream (EventSource on `/events`: `connection` and `attendee` messages), the
    /// board, the filter, and the lab view from `/api/lab`. Text from events is only ever set with `textContent`.
    /// The teacher's token is read from the URL's `#token=` (never sent to the server in the URL), kept for the tab,
    /// and removed from the address bar so a projector does not show it.
    static let script = #"""
        "use strict";
        const state = { exercises: [], board: new Map(), identities: new Set(), paused: false, held: [], times: [], accepted: 0, refused: 0, received: 0, lastID: 0, source: null };
        const MAX_FEED = 300;
        const $ = (id) => document.getElementById(id);
        function el(tag, attrs, ...children) {
          const node = document.createElement(tag);
          for (const [key, value] of Object.entries(attrs || {})) {
            if (value === undefined || value === null) continue;
            if (key === "class") node.className = value; else if (key === "text") node.textContent = value; else node.setAttribute(key, value);
          }
          for (const child of children) if (child !== null && child !== undefined) node.append(child);
          return node;
        }
        function token() {
          const match = location.hash.match(/token=([0-9a-f]+)/);
          if (match) {
            sessionStorage.setItem("pkilab-token", match[1]);
            history.replaceState(null, "", location.pathname + location.search);
          }
          return sessionStorage.getItem("pkilab-token");
        }
        const teacherToken = token();
        function headers() { return teacherToken ? { "X-PKILab-Token": teacherToken } : {}; }
        const clock = (iso) => iso ? new Date(iso).toLocaleTimeString([], { hour12: false }) : "—";
        const outcomeWords = { accepted: "✓ accepted", rejected: "✗ refused", closed: "■ closed" };
        const statusWords = { passed: "✓ passed", failed: "✗ failed", pending: "… not yet" };

        function detailOf(event) {
          const parts = [];
          if (event.tlsVersion) parts.push("TLS " + event.tlsVersion);
          if (event.resumed) parts.push("resumed session");
          if (event.client && event.client.key) parts.push(event.client.key);
          if (event.mqtt) {
            const m = event.mqtt;
            parts.push(["MQTT " + (m.version || ""), m.clientID ? "client id " + m.clientID : null, m.topic ? "topic " + m.topic : null,
                        m.sentCode !== undefined && m.sentCode !== null ? "code 0x" + m.sentCode.toString(16).padStart(2, "0") : null].filter(Boolean).join(", "));
          }
          if (event.ota) {
            const o = event.ota;
            parts.push(["OTA " + o.method + " " + o.path + " → " + o.status, o.image ? "image " + o.image : null, o.version ? "version " + o.version : null,
                        o.range ? "range " + o.range : null, o.bytes ? o.bytes + " bytes" : null].filter(Boolean).join(", "));
          }
          if (event.zoo) parts.push("zoo " + event.zoo.scenario + ": " + event.zoo.verdict.replace(/([A-Z])/g, " $1").toLowerCase());
          if (event.peer) parts.push("from " + event.peer);
          return parts.join(" · ");
        }

        function feedItem(id, identity, event) {
          const who = identity || (event.client && (event.client.commonName || event.client.subject)) || "no certificate";
          const item = el("li", { class: "event " + event.outcome, "data-id": id, "data-identity": identity || "", "data-endpoint": event.endpoint, "data-reason": event.reason },
            el("div", { class: "line" },
              el("span", { class: "outcome", text: outcomeWords[event.outcome] || event.outcome }),
              el("span", { class: "who", text: who }),
              el("span", { class: "endpoint", text: event.endpoint }),
              event.reason !== "ok" ? el("span", { class: "reason", text: event.reason }) : null,
              el("time", { datetime: event.time, text: clock(event.time) })),
            el("p", { class: "why", text: event.explanation }),
            event.hint ? el("p", { class: "hint", text: event.hint }) : null,
            el("p", { class: "detail", text: detailOf(event) }));
          return item;
        }

        function matchesFilter(item) {
          const wanted = $("identity-filter").value;
          if (wanted && item.dataset.identity !== wanted) return false;
          if ($("refused-only").checked && !item.classList.contains("rejected")) return false;
          return true;
        }

        function addIdentity(name) {
          if (!name || state.identities.has(name)) return;
          state.identities.add(name);
          const select = $("identity-filter");
          const options = Array.from(select.options).slice(1).map((o) => o.value).concat([name]).sort();
          const current = select.value;
          select.replaceChildren(el("option", { value: "", text: "everyone" }), ...options.map((n) => el("option", { value: n, text: n })));
          select.value = current;
        }

        function showEvent(id, identity, event) {
          if (event.outcome === "accepted") state.accepted += 1; else if (event.outcome === "rejected") state.refused += 1;
          state.received += 1;
          state.lastID = Math.max(state.lastID, id);
          // For tests and scripts: how many events this page has taken in, and the last one's number.
          const counts = $("counts");
          counts.dataset.received = state.received;
          counts.dataset.lastId = state.lastID;
          $("count-accepted").textContent = state.accepted;
          $("count-refused").textContent = state.refused;
          state.times.push(Date.now());
          addIdentity(identity);
          if (state.paused) { state.held.push([id, identity, event]); $("pause").textContent = "Resume (" + state.held.length + " waiting)"; return; }
          render(id, identity, event);
        }

        function render(id, identity, event) {
          const item = feedItem(id, identity, event);
          item.hidden = !matchesFilter(item);
          const feed = $("feed");
          feed.prepend(item);
          while (feed.children.length > MAX_FEED) feed.lastElementChild.remove();
          $("feed-empty").hidden = true;
        }

        // An HTTP request on an accepted connection: what the device did after its handshake (its route and answer).
        function showRequest(request) {
          if (state.paused) return;
          const item = el("li", { class: "request", "data-identity": request.identity || "", "data-endpoint": request.endpoint },
            el("div", { class: "line" },
              el("span", { class: "arrow", text: "→" }),
              el("span", { class: "who", text: request.identity || "no certificate" }),
              el("span", { class: "endpoint", text: request.endpoint }),
              el("span", { class: "route", text: request.method + " " + request.path + " → " + request.status }),
              el("time", { datetime: request.time, text: clock(request.time) })));
          item.hidden = !matchesFilter(item);
          const feed = $("feed");
          feed.prepend(item);
          while (feed.children.length > MAX_FEED) feed.lastElementChild.remove();
          $("feed-empty").hidden = true;
        }

        function boardRow(status) {
          const row = el("tr", { "data-identity": status.identity });
          row.append(el("th", { scope: "row", text: status.identity }));
          row.append(el("td", { class: "last-seen", text: clock(status.lastSeen) }));
          const last = status.lastOutcome ? (outcomeWords[status.lastOutcome] || status.lastOutcome) + " " + (status.lastEndpoint || "")
            + (status.lastReason && status.lastReason !== "ok" ? ": " + status.lastReason : "") : "—";
          row.append(el("td", { class: "last-result result-" + (status.lastOutcome || "none"), title: status.lastExplanation || "", text: last }));
          for (const exercise of state.exercises) {
            const result = (status.exercises || {})[exercise.id] || { status: "pending" };
            let text = statusWords[result.status] || result.status;
            // The zoo's cell also says how far the attendee got: "… 5 of 16", "✗ failed: expired".
            if (exercise.id === "zoo" && status.zoo && result.status !== "passed") {
              text += status.zoo.wronglyAccepted.length ? ": " + status.zoo.wronglyAccepted.join(", ") : " (" + status.zoo.passed + " of " + status.zoo.total + ")";
            }
            row.append(el("td", { "data-exercise": exercise.id, "data-status": result.status, title: result.evidence || exercise.passWhen, text }));
          }
          return row;
        }

        function showAttendee(status) {
          state.board.set(status.identity, status);
          addIdentity(status.identity);
          const body = $("board-body");
          const row = boardRow(status);
          const existing = body.querySelector('tr[data-identity="' + CSS.escape(status.identity) + '"]');
          if (existing) existing.replaceWith(row);
          else {
            const after = Array.from(body.children).find((r) => r.dataset.identity > status.identity);
            body.insertBefore(row, after || null);
          }
          $("board-empty").hidden = true;
        }

        function connect() {
          $("feed").replaceChildren();
          state.accepted = 0; state.refused = 0; state.received = 0; state.lastID = 0; state.held = [];
          const source = new EventSource("/events");
          state.source = source;
          source.addEventListener("open", () => { $("status").dataset.state = "live"; $("status").textContent = "live"; });
          source.addEventListener("connection", (message) => {
            const data = JSON.parse(message.data);
            showEvent(data.id, data.identity, data.event);
          });
          source.addEventListener("attendee", (message) => showAttendee(JSON.parse(message.data)));
          source.addEventListener("request", (message) => showRequest(JSON.parse(message.data)));
          source.addEventListener("error", () => {
            $("status").dataset.state = "reconnecting";
            $("status").textContent = "lab unreachable — reconnecting";
            source.close();
            setTimeout(() => { connect(); loadLab(); }, 2000);
          });
        }

        function commandBox(command) {
          const pre = el("pre", {}, el("code", { text: command.command }));
          const button = el("button", { type: "button", "aria-label": "Copy the " + command.label + " command", text: "Copy" });
          button.addEventListener("click", () => navigator.clipboard.writeText(command.command).then(() => { button.textContent = "Copied"; }));
          return el("div", { class: "command" }, el("span", { class: "label", text: command.label }), pre, button);
        }

        function chainList(chain) {
          return el("ol", { class: "chain", "aria-label": "Chain of " + chain.name }, ...chain.links.map((link) => el("li", {},
            el("div", { class: "subject", text: link.subject }),
            el("div", { text: (link.isAuthority ? "authority " : "certificate ") + link.name + " · " + link.key }),
            el("div", { text: "valid " + link.notBefore.slice(0, 10) + " → " + link.notAfter.slice(0, 10) }),
            el("div", { text: "serial " + link.serial.slice(0, 16) + (link.serial.length > 16 ? "…" : "") }))));
        }

        function renderLab(view) {
          $("lab-name").textContent = view.lab;
          document.title = "pkilab console — " + view.lab;
          state.exercises = view.exercises;
          const head = $("board-head");
          while (head.children.length > 3) head.lastElementChild.remove();
          for (const exercise of view.exercises) head.append(el("th", { scope: "col", title: exercise.task, text: exercise.title }));
          for (const status of state.board.values()) showAttendee(status);
          $("exercise-list").replaceChildren(...view.exercises.map((exercise) => el("li", { "data-exercise": exercise.id },
            el("strong", { text: exercise.title }), " — " + exercise.task,
            el("div", { class: "muted", text: exercise.passWhen }),
            exercise.setup ? el("div", { text: "Teacher: " + exercise.setup }) : null)));
          $("endpoints").replaceChildren(...view.endpoints.map((endpoint) => el("div", { class: "endpoint-box", "data-endpoint": endpoint.name },
            el("strong", { text: endpoint.name }), " ", el("span", { class: "endpoint", text: endpoint.url }),
            el("span", { class: "muted", text: " · client certificate: " + endpoint.clientAuth }),
            ...endpoint.commands.map(commandBox))));
          $("authorities").replaceChildren(...view.authorities.map((a) => el("li", { "data-authority": a.name },
            el("strong", { text: a.subject }), " — " + (a.subject === a.issuer ? "root" : "signed by " + a.issuer) + ", " + a.key + ", valid until " + a.notAfter.slice(0, 10),
            el("div", { class: "fingerprint", text: "SHA-256 " + a.fingerprintSHA256.toUpperCase().match(/../g).join(":") }))));
          $("chains").replaceChildren(...view.certificates.map((chain) => el("div", {}, el("h4", { text: chain.name + " (" + chain.role + ")" }), chainList(chain))));
          const expectations = { accept: "accepts it", refuse: "refuses it", refuse_if_checking_revocation: "refuses it if it checks revocation", either: "may accept or refuse" };
          $("zoo-body").replaceChildren(...view.zoo.map((server) => el("tr", { "data-zoo": server.name },
            el("th", { scope: "row", text: server.name.replace(/^zoo-/, "") }), el("td", { class: "endpoint", text: server.url }),
            el("td", { text: expectations[server.expectation] || server.expectation }), el("td", { text: server.problem }))));
          $("zoo-table").hidden = view.zoo.length === 0;
          $("zoo-empty").hidden = view.zoo.length > 0;
          $("revocations").replaceChildren(...view.revocations.map((r) => el("li", { text: r.name + " (serial " + r.serial.slice(0, 16) + "…) revoked " + clock(r.revokedAt) + ", " + r.reason + ", by " + r.authority })));
          $("revocations-empty").hidden = view.revocations.length > 0;
          $("kits-teacher").hidden = view.teacher;
          $("kit-list").replaceChildren(...view.kits.map((identity) => {
            const item = el("li", { "data-kit": identity }, el("span", { class: "who", text: identity }));
            if (view.teacher) {
              const button = el("button", { type: "button", "aria-label": "Make a one-time link for " + identity, text: "One-time link" });
              const out = el("span", { class: "link-out", "aria-live": "polite" });
              button.addEventListener("click", async () => {
                const answer = await fetch("/api/links", { method: "POST", headers: Object.assign({ "Content-Type": "application/json" }, headers()), body: JSON.stringify({ identity }) });
                out.textContent = answer.ok ? location.origin + (await answer.json()).path : await answer.text();
              });
              item.append(" ", button, " ", out);
            }
            return item;
          }));
        }

        async function loadLab() {
          try {
            const answer = await fetch("/api/lab", { headers: headers() });
            if (answer.ok) renderLab(await answer.json());
          } catch (error) { console.error("pkilab console: " + error); }
        }

        function tick() {
          const now = Date.now();
          state.times = state.times.filter((t) => now - t < 5000);
          $("rate").textContent = (state.times.length / 5).toFixed(1);
        }

        document.addEventListener("DOMContentLoaded", () => {
          const refilter = () => { for (const item of $("feed").children) item.hidden = !matchesFilter(item); };
          $("identity-filter").addEventListener("change", refilter);
          $("refused-only").addEventListener("change", refilter);
          $("pause").addEventListener("click", () => {
            state.paused = !state.paused;
            $("pause").setAttribute("aria-pressed", String(state.paused));
            $("pause").textContent = state.paused ? "Resume" : "Pause";
            if (!state.paused) { const held = state.held; state.held = []; for (const [id, identity, event] of held) render(id, identity, event); }
          });
          loadLab().then(connect);
          setInterval(tick, 1000);
        });

        """#
}
