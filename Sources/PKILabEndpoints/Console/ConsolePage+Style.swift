extension ConsolePage {
    /// Large type and high contrast for a projector; every colour pairs with a word or a symbol. Text on the
    /// coloured backgrounds keeps a contrast ratio of at least 4.5:1 (WCAG AA), which the browser test measures.
    static let style = """
        :root { --ok: #0b6b2e; --bad: #a3141c; --warn: #7a4d00; --ink: #111; --muted: #4a4a4a; --line: #c8c8c8; --paper: #fff; --soft: #f2f2f2; }
        * { box-sizing: border-box; }
        html { font-size: 20px; }
        body { margin: 0; font-family: system-ui, "DejaVu Sans", sans-serif; color: var(--ink); background: var(--paper); line-height: 1.35; }
        header.top { position: sticky; top: 0; z-index: 2; display: flex; flex-wrap: wrap; align-items: baseline; gap: .3rem 1.2rem; padding: .5rem 1rem; background: #1b1b1b; color: #fff; }
        header.top h1 { font-size: 1.4rem; margin: 0; }
        header.top a { color: #fff; margin-right: .6rem; }
        .brand { font-weight: 800; }
        #status { margin: 0; padding: .1rem .6rem; border-radius: .3rem; font-weight: 700; background: #555; }
        #status[data-state="live"] { background: var(--ok); }
        #status[data-state="reconnecting"] { background: var(--bad); }
        #counts { margin: 0; }
        main { padding: 0 1rem 2rem; max-width: 100rem; }
        h2 { font-size: 1.5rem; margin: 1.2rem 0 .4rem; border-bottom: 3px solid var(--ink); }
        h3 { font-size: 1.15rem; margin: 1rem 0 .3rem; }
        .muted { color: var(--muted); }
        .controls { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; margin-bottom: .4rem; }
        select, button, input { font: inherit; }
        button { padding: .15rem .7rem; border: 2px solid var(--ink); background: var(--soft); border-radius: .3rem; cursor: pointer; }
        button:focus, a:focus, select:focus { outline: 3px solid #1a5fb4; outline-offset: 2px; }
        #feed { list-style: none; margin: 0; padding: 0; max-height: 60vh; overflow-y: auto; }
        .event { border-left: .6rem solid var(--line); padding: .3rem .6rem; margin: .3rem 0; background: var(--soft); }
        .event.accepted { border-left-color: var(--ok); }
        .event.rejected { border-left-color: var(--bad); }
        .event.closed { border-left-color: var(--muted); }
        .request { border-left: .6rem solid var(--line); padding: .1rem .6rem; margin: .2rem 0 .2rem 1.5rem; }
        .request .route { font-family: "DejaVu Sans Mono", monospace; font-weight: 700; }
        .event .line, .request .line { display: flex; flex-wrap: wrap; gap: .2rem .8rem; align-items: baseline; }
        .outcome { font-weight: 800; padding: 0 .4rem; border-radius: .2rem; color: #fff; }
        .accepted .outcome { background: var(--ok); }
        .rejected .outcome { background: var(--bad); }
        .closed .outcome { background: var(--muted); }
        .who { font-weight: 700; }
        .endpoint, .reason { font-family: "DejaVu Sans Mono", monospace; }
        .why { margin: .15rem 0 0; }
        .hint { margin: .1rem 0 0; color: var(--warn); }
        .hint::before { content: "What to do: "; font-weight: 700; }
        .detail { margin: .1rem 0 0; color: var(--muted); font-size: .9rem; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; min-width: 100%; }
        caption { text-align: left; color: var(--muted); padding: .2rem 0; }
        th, td { border: 1px solid var(--line); padding: .2rem .4rem; text-align: left; vertical-align: top; }
        th { background: var(--soft); }
        td[data-status="passed"] { color: var(--ok); font-weight: 700; }
        td[data-status="failed"] { color: var(--bad); font-weight: 700; }
        td[data-status="pending"] { color: var(--muted); }
        td.result-accepted { color: var(--ok); font-weight: 700; }
        td.result-rejected { color: var(--bad); font-weight: 700; }
        #exercise-list li { margin: .4rem 0; }
        .chain { display: flex; flex-wrap: wrap; align-items: stretch; gap: .3rem; list-style: none; padding: 0; margin: .3rem 0 .8rem; }
        .chain li { border: 2px solid var(--ink); border-radius: .3rem; padding: .3rem .5rem; max-width: 24rem; background: var(--paper); font-size: .85rem; }
        .chain li + li::before { content: "signed by → "; display: block; font-weight: 700; color: var(--muted); }
        .chain .subject { font-weight: 700; font-size: 1rem; }
        .endpoint-box { border: 2px solid var(--line); padding: .3rem .6rem; margin: .4rem 0; }
        .command { display: flex; gap: .5rem; align-items: flex-start; margin: .2rem 0; }
        .command pre { flex: 1; margin: 0; padding: .3rem .5rem; background: #1b1b1b; color: #fff; overflow-x: auto; white-space: pre-wrap; word-break: break-all; font-size: .8rem; }
        code { background: var(--soft); padding: 0 .2rem; }
        .command pre code { background: none; color: inherit; padding: 0; }
        .command .label { min-width: 9rem; }
        .fingerprint { font-family: "DejaVu Sans Mono", monospace; font-size: .85rem; word-break: break-all; }
        .link-out { font-family: "DejaVu Sans Mono", monospace; word-break: break-all; }

        """
}
