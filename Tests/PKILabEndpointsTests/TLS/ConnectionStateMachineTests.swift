import Foundation
import PKILab
import Testing
@testable import PKILabEndpoints

/// The connection's state machine alone, step by step: what each handler reports, and the actions it returns.
@Suite("The TLS connection's state machine, step by step")
struct ConnectionStateMachineTests {
    static let facts = EndpointFacts(name: "echo", kind: .echo, zoo: nil, clientAuth: .require,
                                     context: RejectionContext(kind: .echo, serverCertificate: "server", rootBundle: "ca/root.pem",
                                                               trustedAuthorities: ["Root"], clock: .zero, minimumTLS: .tls12,
                                                               maximumTLS: .tls13, exampleClient: nil))

    static func events(_ actions: [ConnectionStateMachine.Action]) -> [ConnectionEvent] {
        actions.compactMap { if case .record(let event) = $0 { event } else { nil } }
    }

    static var hello: ClientHello {
        var hello = ClientHello()
        hello.versions = ["1.3", "1.2"]
        return hello
    }

    @Test("a connection that ends while its certificate is checked is told once, when the check has spoken")
    func endedDuringCheck() {
        var machine = ConnectionStateMachine(endpoint: Self.facts, peer: "127.0.0.1:1")
        machine.clientHelloParsed(Self.hello)
        machine.verificationStarted()
        #expect(machine.inputClosed() == nil, "the half-close waits for the check")
        #expect(machine.connectionEnded(.init(reason: .peerClosed, detail: "EOF during handshake")).isEmpty)
        let actions = machine.verificationFinished(.certificate(.weakKey(bits: 1024)))
        let events = Self.events(actions)
        #expect(events.map(\.reason) == ["weak_key"], "the check's reason, not the hang-up")
        #expect(events.first?.tlsOffered == ["1.3", "1.2"])
        #expect(actions.contains(.forwardInputClosed))
        #expect(machine.closeRequested() == .closeOutputAndDrain, "a refusal closes gently")
        #expect(machine.closeRequested() == nil, "once")
        #expect(machine.inputClosed() == .close, "while draining, the client's half-close ends it")
    }

    @Test("a client accepted by the check that hangs up before the handshake is reported done completed mutual TLS")
    func acceptedThenHungUp() {
        var machine = ConnectionStateMachine(endpoint: Self.facts, peer: "127.0.0.1:1")
        machine.verificationStarted()
        #expect(machine.verificationFinished(nil).isEmpty)
        let events = Self.events(machine.connectionEnded(.init(reason: .peerClosed, detail: "Connection reset by peer")))
        #expect(events.map(\.reason) == ["ok"])
        #expect(events.first?.notes.contains { $0.contains("closed the connection right after its side of the handshake") } == true)
        #expect(Self.events(machine.connectionEnded(.init(reason: .peerClosed, detail: nil))).isEmpty, "one event per connection")
    }

    @Test("hung up after the server's hello without a word: closed_unused; with bytes of its own, or before the hello: peer_closed")
    func closedUnusedOrPeerClosed() {
        var unused = ConnectionStateMachine(endpoint: Self.facts, peer: "p")
        unused.clientHelloParsed(Self.hello)
        unused.serverHelloSent(cipher: "TLS_AES_128_GCM_SHA256", version: nil)
        let told = Self.events(unused.connectionEnded(.init(reason: .peerClosed, detail: "EOF during handshake")))
        #expect(told.map(\.reason) == ["closed_unused"] && told.first?.outcome == .closed)
        #expect(told.first?.tlsVersion == "1.3", "a TLS 1.3 suite is TLS 1.3 even when supported_versions was not read")
        #expect(unused.closeRequested() == nil, "nothing to drain: it was not refused")

        var answered = ConnectionStateMachine(endpoint: Self.facts, peer: "p")
        answered.clientHelloParsed(Self.hello)
        answered.serverHelloSent(cipher: "TLS_AES_128_GCM_SHA256", version: "1.3")
        answered.clientSentAfterHello(bytes: 80, alert: nil)
        #expect(Self.events(answered.connectionEnded(.init(reason: .peerClosed, detail: nil))).map(\.outcome) == [.rejected])

        var early = ConnectionStateMachine(endpoint: Self.facts, peer: "p")
        #expect(Self.events(early.connectionEnded(.init(reason: .peerClosed, detail: nil))).map(\.reason) == ["peer_closed"])
    }

    @Test("an alert the client sent in plain text names the failure, and its hint says what the alert means")
    func plainTextAlert() {
        var machine = ConnectionStateMachine(endpoint: Self.facts, peer: "p")
        machine.clientHelloParsed(Self.hello)
        machine.serverHelloSent(cipher: "TLS_AES_128_GCM_SHA256", version: "1.3")
        machine.clientSentAfterHello(bytes: 7, alert: 48)
        let event = Self.events(machine.connectionEnded(.init(reason: .handshakeFailed(library: "BAD_PACKET_LENGTH"), detail: "x"))).first
        #expect(event?.reason == "client_rejected_server" && event?.explanation.contains("\"unknown_ca\"") == true, "\(String(describing: event))")
        #expect(event?.hint?.contains("ca/root.pem") == true)
    }

    @Test("a ClientHello asking for max_fragment_length puts the size, the lab's limit and the fix in the event")
    func maxFragmentLength() throws {
        // A minimal ClientHello: TLS 1.2, one suite, no compression, the max_fragment_length extension asking for 2^10.
        let body: [UInt8] = [0x03, 0x03] + Array(repeating: 0, count: 32) + [0x00, 0x00, 0x02, 0xC0, 0x2B, 0x01, 0x00,
                                                                              0x00, 0x05, 0x00, 0x01, 0x00, 0x01, 0x02]
        let handshake: [UInt8] = [0x01, 0x00, 0x00, UInt8(body.count)] + body
        let record: [UInt8] = [0x16, 0x03, 0x01, 0x00, UInt8(handshake.count)] + handshake
        let hello = try #require(try ClientHello.parse(record)?.get())
        #expect(hello.maxFragmentLength == 1024)
        var machine = ConnectionStateMachine(endpoint: Self.facts, peer: "p")
        machine.clientHelloParsed(hello)
        machine.verificationStarted()
        _ = machine.verificationFinished(nil)
        let event = Self.events(machine.handshakeCompleted(.init(tlsVersion: "1.2", alpn: nil, resumed: false))).first
        #expect(event?.reason == "ok")
        #expect(event?.notes.first?.contains("at most 1024 bytes") == true && event?.notes.first?.contains("setBufferSizes(16384, 512)") == true)
    }
}
