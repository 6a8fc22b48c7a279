import Foundation
import PKILab
import Testing
@testable import PKILabEndpoints

/// The console's feed without sockets: numbering, what it leaves out, replay after a reconnect, the board it
/// grades, and streams that end when the console stops.
@Suite("Console feed")
struct ConsoleFeedTests {
    static func event(_ outcome: ConnectionEvent.Outcome, reason: String = "ok", endpoint: String = "https", client: String? = nil,
                      peer: String = "127.0.0.1:50000") -> ConnectionEvent {
        var event = ConnectionEvent(endpoint: endpoint, peer: peer, outcome: outcome, reason: reason, explanation: "because \(reason)")
        if let client {
            // As the event log writes it (the type has no memberwise initializer outside PKILab).
            let json = #"{"subject":"CN=\#(client)","commonName":"\#(client)","issuer":"CN=Issuing","serial":"01","fingerprintSHA256":"ab","notBefore":"2026-01-01T00:00:00Z","notAfter":"2030-01-01T00:00:00Z","names":[],"chain":[]}"#
            event.client = try? LabJSON.decoder().decode(ConnectionEvent.ClientCertificate.self, from: Data(json.utf8))
        }
        return event
    }

    /// The `id` and `identity` of a kept event's JSON.
    static func decoded(_ json: String) throws -> (id: Int, identity: String?, reason: String) {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let event = try #require(object["event"] as? [String: Any])
        return (try #require(object["id"] as? Int), object["identity"] as? String, try #require(event["reason"] as? String))
    }

    @Test("events are numbered in order, carry the identity they are graded for, and the console's own and unused connections are left out")
    func numbering() throws {
        let feed = ConsoleFeed(identities: ["attendee-0001"], history: [], ownEndpoint: "console")
        for event in [Self.event(.accepted, client: "attendee-0001"), Self.event(.accepted, endpoint: "console"),
                      Self.event(.closed, reason: "closed_unused"), Self.event(.rejected, reason: "no_client_certificate")] {
            feed.publish(event, line: event.jsonLine)
        }
        let kept = try feed.recent().map { try Self.decoded($0.json) }
        #expect(kept.map(\.id) == [1, 2])
        #expect(kept.map(\.reason) == ["ok", "no_client_certificate"])
        #expect(kept[0].identity == "attendee-0001")
        #expect(feed.counts.accepted == 1 && feed.counts.refused == 1)
        #expect(feed.board.map(\.identity) == ["attendee-0001"])
        #expect(feed.board.first?.exercises[WorkshopExercise.firstConnection.rawValue]?.status == .passed)
    }

    @Test("history is graded and kept as if it had just happened; a page that reconnects with Last-Event-ID gets only what it missed")
    func historyAndReplay() async throws {
        let history = (0..<3).map { Self.event(.accepted, client: "device-00\($0)") }
        let feed = ConsoleFeed(identities: [], history: history, ownEndpoint: "console")
        #expect(feed.board.count == 3)
        let (replay, stream) = feed.subscribe(after: 2, withBoard: false)
        #expect(replay == [.event(id: 3, json: feed.recent(after: 2)[0].json)])
        let later = Self.event(.rejected, reason: "revoked", client: "device-001")
        feed.publish(later, line: later.jsonLine)
        feed.finish()
        var received: [ConsoleFeed.Item] = []
        for await item in stream { received.append(item) }
        guard case .event(let id, let json) = received.first else {
            Issue.record("expected the new event first, got \(received)")
            return
        }
        let reason = try Self.decoded(json).reason
        #expect(id == 4 && reason == "revoked")
        // The status of device-001 changed: the page gets it too.
        #expect(received.contains { if case .attendee(let json) = $0 { json.contains("device-001") } else { false } })
    }

    @Test("a page that cannot keep up loses its oldest items, not the lab's time; finish ends every stream and later events are not kept")
    func slowPageAndFinish() async {
        let feed = ConsoleFeed(identities: [], history: [], ownEndpoint: "console")
        let (_, stream) = feed.subscribe(after: nil, withBoard: false)
        let total = ConsoleFeed.bufferPerSubscriber + 500
        for index in 0..<total {
            let event = Self.event(.rejected, reason: "no_client_certificate", peer: "127.0.0.1:\(index)")
            feed.publish(event, line: event.jsonLine)
        }
        feed.finish()
        var first: Int?
        var count = 0
        for await item in stream {
            if case .event(let id, _) = item {
                first = first ?? id
                count += 1
            }
        }
        #expect(count == ConsoleFeed.bufferPerSubscriber && first == 501)
        #expect(feed.recent().count <= ConsoleFeed.kept + ConsoleFeed.kept / 4)
        let late = Self.event(.accepted)
        feed.publish(late, line: late.jsonLine)
        #expect(feed.counts.accepted == 0 && feed.counts.pages == 0)
    }

    @Test("an HTTP request reaches every page live, with its identity and route; the console's own requests do not")
    func requests() async throws {
        let feed = ConsoleFeed(identities: [], history: [], ownEndpoint: "console")
        let (_, stream) = feed.subscribe(after: nil, withBoard: false)
        for endpoint in ["console", "https"] {
            feed.publish(RequestRecord(time: Date(timeIntervalSince1970: 0), endpoint: endpoint, peer: "127.0.0.1:5", client: "attendee-0001",
                                       tlsVersion: "1.3", alpn: "h2", method: "GET", path: "/whoami", status: 200))
        }
        feed.finish()
        var received: [ConsoleFeed.Item] = []
        for await item in stream { received.append(item) }
        #expect(received.count == 1)
        guard case .request(let json) = received.first else {
            Issue.record("expected a request, got \(received)")
            return
        }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["endpoint"] as? String == "https" && object["identity"] as? String == "attendee-0001")
        #expect(object["method"] as? String == "GET" && object["path"] as? String == "/whoami" && object["status"] as? Int == 200)
        #expect(received.first?.message.hasPrefix("event: request\ndata: {") == true)
        #expect(feed.recent().isEmpty, "requests are live only")
    }

    @Test("the SSE wire form: ids on events, named event types, comments for pings, one data line each")
    func messages() {
        #expect(ConsoleFeed.Item.event(id: 7, json: "{\"a\":1}").message == "id: 7\nevent: connection\ndata: {\"a\":1}\n\n")
        #expect(ConsoleFeed.Item.attendee(json: "{}").message == "event: attendee\ndata: {}\n\n")
        #expect(ConsoleFeed.Item.ping.message == ": ping\n\n")
    }
}

/// The teacher's token and the one-time links.
@Suite("Console tickets")
struct ConsoleTicketsTests {
    @Test("a link works once, for its identity only, for an hour; a new link replaces the old one")
    func links() {
        let tickets = ConsoleTickets()
        let now = Date()
        let first = tickets.issue(for: "attendee-0001", now: now)
        #expect(!tickets.redeem(first, for: "attendee-0002", now: now), "another identity's kit")
        #expect(tickets.redeem(first, for: "attendee-0001", now: now))
        #expect(!tickets.redeem(first, for: "attendee-0001", now: now), "used up")
        let old = tickets.issue(for: "attendee-0001", now: now)
        let new = tickets.issue(for: "attendee-0001", now: now)
        #expect(old != new && !tickets.redeem(old, for: "attendee-0001", now: now))
        #expect(!tickets.redeem(new, for: "attendee-0001", now: now.addingTimeInterval(ConsoleTickets.lifetime + 1)), "expired")
    }

    @Test("the token is 32 hex digits and only the token itself is the teacher")
    func token() {
        let tickets = ConsoleTickets()
        #expect(tickets.token.count == 32 && tickets.token.allSatisfy(\.isHexDigit))
        #expect(tickets.isTeacher(tickets.token))
        #expect(!tickets.isTeacher(nil) && !tickets.isTeacher("") && !tickets.isTeacher(String(tickets.token.dropLast()) + "x"))
        #expect(ConsoleTickets().token != tickets.token)
    }
}
