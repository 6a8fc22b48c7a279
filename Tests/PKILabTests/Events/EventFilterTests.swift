import Foundation
import PKILab
import Testing

@Suite("Event filters (pkilab events) and the run summary (pkilab run)")
struct EventFilterTests {
    private func event(_ endpoint: String, _ outcome: ConnectionEvent.Outcome, _ reason: String, at seconds: Double = 0, cn: String? = nil) -> ConnectionEvent {
        var event = ConnectionEvent(time: Date(timeIntervalSince1970: 1_800_000_000 + seconds), endpoint: endpoint, peer: "127.0.0.1:1",
                                    outcome: outcome, reason: reason, explanation: "\(reason) words", hint: "do this")
        if let cn {
            event.mqtt = .init(clientID: "c-\(cn)", identity: cn, version: "3.1.1", topic: nil, sentCode: nil, closed: false)
        }
        return event
    }

    @Test("--since takes ISO 8601 or an age; nothing else")
    func since() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(EventFilter.time(parsing: "2026-12-04T10:00:00Z", now: now) == ISO8601DateFormatter().date(from: "2026-12-04T10:00:00Z"))
        #expect(EventFilter.time(parsing: "90s", now: now) == now.addingTimeInterval(-90))
        #expect(EventFilter.time(parsing: "10m", now: now) == now.addingTimeInterval(-600))
        #expect(EventFilter.time(parsing: "2h", now: now) == now.addingTimeInterval(-7200))
        #expect(EventFilter.time(parsing: "1d", now: now) == now.addingTimeInterval(-86400))
        for bad in ["", "m", "-5m", "5w", "yesterday", "5 m", "infm"] { #expect(EventFilter.time(parsing: bad, now: now) == nil, "\(bad)") }
    }

    @Test("every condition must hold; the identity is the certificate's CN, its lab name SAN or the broker's identity")
    func matching() {
        let accepted = event("mqtt", .accepted, "accepted", at: 10, cn: "device-001")
        let refused = event("https", .rejected, "no_client_certificate", at: 20)
        #expect(EventFilter().matches(accepted) && EventFilter().matches(refused))
        #expect(EventFilter(endpoints: ["mqtt"]).matches(accepted) && !EventFilter(endpoints: ["mqtt"]).matches(refused))
        #expect(EventFilter(reasons: ["no_client_certificate"]).matches(refused) && !EventFilter(reasons: ["no_client_certificate"]).matches(accepted))
        #expect(EventFilter(identities: ["device-001"]).matches(accepted) && !EventFilter(identities: ["device-001"]).matches(refused))
        #expect(!EventFilter(identities: ["device-002"]).matches(accepted))
        let since = Date(timeIntervalSince1970: 1_800_000_015)
        #expect(!EventFilter(since: since).matches(accepted) && EventFilter(since: since).matches(refused))
        #expect(!EventFilter(since: since, endpoints: ["mqtt"]).matches(refused), "both must hold")
    }

    @Test("the summary counts per endpoint and outcome, and groups refusals by reason with the first one's words")
    func summary() {
        let summary = EventSummary([
            event("mqtt", .accepted, "accepted"), event("https", .rejected, "no_client_certificate"), event("mqtt", .closed, "disconnected"),
            event("https", .rejected, "no_client_certificate"), event("echo", .rejected, "unknown_ca"),
        ])
        #expect(summary.total == 5 && summary.rejected == 3)
        #expect(summary.endpoints.map(\.name) == ["mqtt", "https", "echo"])
        #expect(summary.endpoints[0].accepted == 1 && summary.endpoints[0].closed == 1 && summary.endpoints[1].rejected == 2)
        #expect(summary.refusals.map(\.reason) == ["no_client_certificate", "unknown_ca"] && summary.refusals[0].count == 2)
        #expect(summary.refusals[0].explanation == "no_client_certificate words" && summary.refusals[0].hint == "do this")
    }
}
