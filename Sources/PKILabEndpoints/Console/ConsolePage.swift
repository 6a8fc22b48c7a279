/// The console's page: one HTML document, its script (``script``, in `ConsolePage+Script.swift`) and its style
/// (``style``, in `ConsolePage+Style.swift`), served from the binary.
///
/// Made for a projector at 1280×720: large type, one column per section, and colour that always comes with words
/// (`✓ accepted`, `✗ refused`). The sections: the live feed of connections (filterable by identity), the board of
/// attendees and their exercises, the lab at a glance (authorities, chain diagrams, revocations, endpoints with
/// commands to copy) and the kits. Landmarks, headings, labels and an `aria-live` feed for screen readers.
enum ConsolePage {
    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>pkilab console</title>
        <link rel="stylesheet" href="/console.css">
        <script src="/console.js" defer></script>
        </head>
        <body>
        <header class="top">
          <h1><span class="brand">pkilab</span> <span id="lab-name">lab</span></h1>
          <p id="status" data-state="connecting" role="status">connecting…</p>
          <p id="counts" aria-label="Connections so far"><span id="count-accepted">0</span> accepted · <span id="count-refused">0</span> refused · <span id="rate">0</span> events/s</p>
          <nav aria-label="Sections">
            <a href="#live">Live</a> <a href="#board">Board</a> <a href="#exercises">Exercises</a> <a href="#lab">Lab</a> <a href="#kits">Kits</a>
          </nav>
        </header>
        <main>
        <section id="live" aria-labelledby="live-title">
          <h2 id="live-title">Live connections</h2>
          <div class="controls">
            <label for="identity-filter">Show identity</label>
            <select id="identity-filter"><option value="">everyone</option></select>
            <label for="refused-only"><input type="checkbox" id="refused-only"> refused only</label>
            <button type="button" id="pause" aria-pressed="false">Pause</button>
          </div>
          <p id="feed-empty" class="muted">No connection yet. Try one of the commands under <a href="#lab">Lab</a>.</p>
          <ol id="feed" aria-live="polite" aria-relevant="additions"></ol>
        </section>
        <section id="board" aria-labelledby="board-title">
          <h2 id="board-title">Attendees</h2>
          <p id="board-empty" class="muted">No attendee yet: <code>pkilab fleet attendee --count 20</code> then <code>pkilab workshop kits</code>.</p>
          <div class="scroll"><table id="board-table">
            <caption>Each attendee's last connection and exercises (✓ passed, ✗ failed, … not yet)</caption>
            <thead><tr id="board-head"><th scope="col">Identity</th><th scope="col">Last seen</th><th scope="col">Last result</th></tr></thead>
            <tbody id="board-body"></tbody>
          </table></div>
        </section>
        <section id="exercises" aria-labelledby="exercises-title">
          <h2 id="exercises-title">Exercises</h2>
          <ol id="exercise-list"></ol>
        </section>
        <section id="lab" aria-labelledby="lab-title">
          <h2 id="lab-title">The lab at a glance</h2>
          <h3>Authorities</h3>
          <p class="muted">Compare a downloaded <code>ca.pem</code> with: <code>openssl x509 -in ca.pem -noout -fingerprint -sha256</code></p>
          <ul id="authorities"></ul>
          <h3>Endpoints</h3>
          <div id="endpoints"></div>
          <h3>Certificates and their chains</h3>
          <div id="chains"></div>
          <h3 id="zoo-title">The zoo's bad servers</h3>
          <p id="zoo-empty" class="muted">Not served: start the lab with <code>pkilab up --console --zoo</code>.</p>
          <div class="scroll"><table id="zoo-table" aria-labelledby="zoo-title" hidden>
            <thead><tr><th scope="col">Server</th><th scope="col">Address</th><th scope="col">A correct client</th><th scope="col">What is wrong with it</th></tr></thead>
            <tbody id="zoo-body"></tbody>
          </table></div>
          <h3>Revocations</h3>
          <p id="revocations-empty" class="muted">Nothing is revoked.</p>
          <ul id="revocations"></ul>
        </section>
        <section id="kits" aria-labelledby="kits-title">
          <h2 id="kits-title">Attendee kits</h2>
          <p>Attendees with their certificate in the browser download their own kit: <a id="my-kit" href="/kit">my kit</a>. Trust anchor: <a href="/ca.pem">ca.pem</a>.</p>
          <p id="kits-teacher" class="muted">Open this page with the teacher's token (the URL pkilab up printed) to make one-time links.</p>
          <ul id="kit-list"></ul>
        </section>
        </main>
        </body>
        </html>

        """
}
