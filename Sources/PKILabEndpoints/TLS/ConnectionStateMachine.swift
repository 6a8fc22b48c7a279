import Foundation
import PKILab

/// The story of one TLS connection as a value: the handlers around the TLS handler feed it what they see
/// (the ClientHello, the ServerHello, the certificate check's verdict, how the handshake ended) and carry out the
/// actions it returns (record this event, close, drain). It holds no channel and does no I/O, so every path
/// through it can be tested step by step.
///
/// Exactly one event is told per connection; a refusal's words come from ``RejectionReason/words(in:)``.
struct ConnectionStateMachine: Sendable {
    /// What a handler must do.
    enum Action: Sendable, Equatable {
        /// Append this event to the event log (which writes it off the event loop).
        case record(ConnectionEvent)
        /// Close the connection (a refusal after the handshake, a timeout, a client that is not TLS).
        case close
        /// Send a plain-text HTTP 400 saying to use https://, then close.
        case answerPlainHTTP
        /// Send what is queued (the alert), close the output only and drain the client for a second.
        case closeOutputAndDrain
        /// Pass on the half-close that was held back while the certificate was checked.
        case forwardInputClosed

        enum Kind: Sendable, Hashable {
            case record, close, answerPlainHTTP, closeOutputAndDrain, forwardInputClosed
        }

        var kind: Kind {
            switch self {
            case .record: .record
            case .close: .close
            case .answerPlainHTTP: .answerPlainHTTP
            case .closeOutputAndDrain: .closeOutputAndDrain
            case .forwardInputClosed: .forwardInputClosed
            }
        }
    }

    /// Where pkilab's own check of the client certificate is.
    enum Verification: Sendable, Equatable {
        case notStarted, pending, accepted, rejected
    }

    /// How the handshake ended before completing, as the TLS handler reported it.
    struct Failure: Sendable, Equatable {
        var reason: RejectionReason
        /// The library's own words, for experts.
        var detail: String?
    }

    /// What the TLS handler negotiated, as the seam reports it.
    struct Negotiated: Sendable, Equatable {
        var tlsVersion: String?
        var alpn: String?
        var resumed: Bool
    }

    /// The endpoint, as far as the story needs it.
    let endpoint: EndpointFacts
    let peer: String

    private(set) var hello: ClientHello?
    private(set) var serverCipher: String?
    private(set) var serverVersion: String?
    private(set) var failure: Failure?
    private(set) var client: ConnectionEvent.ClientCertificate?
    private(set) var notes: [ConnectionNote] = []
    private(set) var verification = Verification.notStarted
    /// A resumed session's certificate is being checked again (the handshake is not over for the application).
    private(set) var recheckingResumedSession = false
    /// The connection ended while the check was still running: how it ended, to tell once the check is done.
    private var endedDuringVerification: Failure?
    /// A fatal alert the client sent in plain text during the handshake.
    private(set) var clientAlert: UInt8?
    /// Bytes the client sent after its ClientHello (its answer to the server's first flight).
    private(set) var bytesAfterHello = 0
    private(set) var handshakeOver = false
    private var inputCloseDeferred = false
    private(set) var told = false
    /// Refused: the alert has gone out and the connection only drains what the client still sends.
    private(set) var draining = false
    private(set) var outcome: ConnectionEvent.Outcome?
    /// The accepted event, kept for `/whoami`, the MQTT broker's first event and the zoo's echo.
    private(set) var accepted: ConnectionEvent?

    init(endpoint: EndpointFacts, peer: String) {
        self.endpoint = endpoint
        self.peer = peer
    }

    // MARK: What the handlers see

    mutating func clientHelloParsed(_ hello: ClientHello) {
        self.hello = hello
        if let length = hello.maxFragmentLength {
            notes.append(endpoint.tlsEngine == .openssl ? .maxFragmentLengthHonoured(bytes: length) : .maxFragmentLength(bytes: length))
        }
    }

    /// Bytes the client sent after its ClientHello; `alert` when they hold a plain-text fatal alert.
    mutating func clientSentAfterHello(bytes: Int, alert: UInt8?) {
        bytesAfterHello += bytes
        if clientAlert == nil, let alert { clientAlert = alert }
    }

    mutating func serverHelloSent(cipher: String, version: String?) {
        serverCipher = cipher
        // A ServerHello without supported_versions is TLS 1.2 or older, unless it chose a TLS 1.3 suite.
        serverVersion = version ?? (cipher.hasPrefix("TLS_AES_") || cipher.hasPrefix("TLS_CHACHA20_") ? "1.3" : "1.2")
    }

    mutating func addNote(_ note: ConnectionNote) {
        notes.append(note)
    }

    /// The certificate the client presented, as the check or the connection cap read it.
    mutating func clientPresented(_ certificate: ConnectionEvent.ClientCertificate) {
        if client == nil || certificate.fingerprintSHA256 != client?.fingerprintSHA256 { client = certificate }
    }

    // MARK: The certificate check

    mutating func verificationStarted() {
        verification = .pending
    }

    mutating func resumedSessionCheckStarted() {
        recheckingResumedSession = true
    }

    /// The check's verdict: a refusal is remembered; if the connection ended meanwhile, the story is told now.
    mutating func verificationFinished(_ refusal: RejectionReason?) -> [Action] {
        verification = refusal == nil ? .accepted : .rejected
        if let refusal { refuse(refusal) }
        guard let ended = endedDuringVerification else { return [] }
        return connectionEnded(ended)
    }

    // MARK: How it ends

    /// The handshake completed; a resumed session's certificate has been checked again (`refusal` nil: let in).
    mutating func handshakeCompleted(_ negotiated: Negotiated, refusal: RejectionReason? = nil) -> [Action] {
        handshakeOver = true
        if let refusal {
            refuse(refusal)
            return tell(accepted: false, negotiated: negotiated) + [.close] + releaseInputClose()
        }
        if negotiated.resumed {
            notes.append(.resumedSessionChecked)
        } else if client == nil && endpoint.clientAuth == .optional {
            notes.append(.noCertificateOptional)
        }
        return tell(accepted: true, negotiated: negotiated) + releaseInputClose()
    }

    /// The connection was refused outside the handshake's own failures: a cap, a timeout, a client that is not TLS.
    mutating func refusedNow(_ reason: RejectionReason, negotiated: Negotiated? = nil) -> [Action] {
        refuse(reason)
        var actions = tell(accepted: false, negotiated: negotiated)
        if case .notATLSClient(_, true, .some) = reason { actions.append(.answerPlainHTTP) } else { actions.append(.close) }
        return actions
    }

    /// The connection failed or closed before the handshake completed. In TLS 1.3 a client may finish its side and
    /// hang up (`openssl s_time`, health checks) while pkilab still checks its certificate: once its certificate
    /// has been accepted that is a completed mutual-TLS handshake, not a refusal.
    mutating func connectionEnded(_ failure: Failure) -> [Action] {
        switch verification {
        case .pending:
            if endedDuringVerification == nil { endedDuringVerification = failure }
            return []
        case .accepted where (failure.reason == .peerClosed || failure.reason.code == .handshakeFailed) && (failure.detail.map(Self.isHangUp) ?? true):
            notes.append(.closedAfterAccepted)
            handshakeOver = true
            return tell(accepted: true, negotiated: nil) + releaseInputClose()
        default:
            var failure = failure
            // Not at the object store: a device that distrusts the store's chain (BearSSL) hangs up just like this.
            if failure.reason == .peerClosed, endpoint.zoo == nil, endpoint.kind != .store, serverCipher != nil, bytesAfterHello == 0,
               clientAlert == nil, verification == .notStarted {
                failure.reason = .closedUnused
            }
            if let alert = clientAlert, failure.reason.code == .handshakeFailed || failure.reason == .peerClosed {
                failure.reason = .clientRejectedServer(alert: TLSAlert.name(alert))
            }
            refuse(failure.reason, detail: failure.detail)
            handshakeOver = true
            return tell(accepted: false, negotiated: nil) + releaseInputClose()
        }
    }

    /// A half-close from the client: held back while its certificate is being checked (a client that sends its
    /// last bytes and closes at once, `printf … | openssl s_client`), closed at once while draining.
    mutating func inputClosed() -> Action? {
        if draining { return .close }
        if !handshakeOver, verification == .pending || recheckingResumedSession {
            inputCloseDeferred = true
            return nil
        }
        return .forwardInputClosed
    }

    /// The application asked to close: after a refusal that becomes a gentle close (alert out, drain, then close).
    mutating func closeRequested() -> Action? {
        guard outcome == .rejected, !draining, failure?.reason.code != .notATLSClient else { return nil }
        draining = true
        return .closeOutputAndDrain
    }

    /// A zoo echo connection that completed its handshake: its story, now that it is known whether the client sent
    /// data (`sentBytes` > 0) before closing or while connected.
    mutating func zooEchoFinished(sentBytes: Int) -> [Action] {
        guard var event = accepted, let scenario = endpoint.zoo, event.zoo != nil else { return [] }
        accepted = nil
        event.time = Date()
        event.zoo = ConnectionEvent.ZooDetail(scenario: scenario, completedHandshake: true, sentData: sentBytes > 0)
        event.explanation = ConnectionEvent.ZooDetail.explanation(scenario, completedHandshake: true, sentData: sentBytes > 0 ? "\(sentBytes) bytes" : nil)
        if event.zoo?.verdict == .wronglyAccepted {
            event.hint = "fix the device's server check before it meets a real attacker: \(scenario.expectedBehaviour)"
        }
        return [.record(event)]
    }

    // MARK: After the handshake: AWS IoT's port 443 twin

    /// The ALPN-dispatching port handed the connection to `application` for `alpn`: the accepted event says so,
    /// and is told now when the HTTPS routes take it (the broker tells it with its first MQTT event).
    mutating func dispatched(alpn: String, to application: ConnectionNote.Application) -> [Action] {
        guard var event = accepted else { return [] }
        event.notes.append(ConnectionNote.alpnDispatched(alpn: alpn, application: application).text)
        accepted = event
        return application == .https ? [.record(event)] : []
    }

    /// A completed handshake that no application takes (the port 443 twin holding a connection without a usable
    /// ALPN, as AWS does): its one event tells `reason` in place of the acceptance; the connection stays open.
    mutating func refusedAfterHandshake(_ reason: RejectionReason) -> [Action] {
        guard var event = accepted else { return [] }
        accepted = nil
        refuse(reason)
        outcome = .rejected
        var context = endpoint.context
        context.clientName = client.map { $0.commonName.map { "\"\($0)\"" } ?? "\"\($0.subject)\"" }
        let (explanation, hint) = reason.words(in: context)
        event.outcome = .rejected
        event.reason = reason.code.rawValue
        event.explanation = explanation
        event.hint = hint
        return [.record(event)]
    }

    // MARK: Telling the story

    /// Records why the connection is refused, unless an earlier, more precise reason is already known.
    /// The first reason stands; the TLS library's words (the alert it sent) join a reason decided before them.
    private mutating func refuse(_ reason: RejectionReason, detail: String? = nil) {
        if failure == nil {
            failure = Failure(reason: reason, detail: detail)
        } else if failure?.detail == nil, let detail {
            failure?.detail = detail
        }
    }

    private mutating func releaseInputClose() -> [Action] {
        guard inputCloseDeferred else { return [] }
        inputCloseDeferred = false
        return [.forwardInputClosed]
    }

    /// The event, once per connection, whatever calls it later.
    private mutating func tell(accepted isAccepted: Bool, negotiated: Negotiated?) -> [Action] {
        guard !told else { return [] }
        told = true
        let failure = self.failure ?? Failure(reason: .peerClosed, detail: nil)
        let refusal = isAccepted ? nil : failure.reason
        outcome = isAccepted ? .accepted : (refusal?.isRefusal == false ? .closed : .rejected)
        var event: ConnectionEvent
        if let refusal {
            var context = endpoint.context
            context.clientName = client.map { $0.commonName.map { "\"\($0)\"" } ?? "\"\($0.subject)\"" }
            let (explanation, hint) = refusal.words(in: context)
            event = ConnectionEvent(endpoint: endpoint.name, peer: peer, outcome: outcome!, reason: refusal.code.rawValue,
                                    explanation: explanation, hint: hint)
            event.detail = failure.detail ?? Self.detail(of: refusal)
        } else {
            let who = client.map { $0.commonName.map { "\"\($0)\"" } ?? $0.subject } ?? "a client without a certificate"
            let completed = endpoint.clientAuth == .none ? "completed TLS (this endpoint asks for no client certificate)" : "completed mutual TLS"
            event = ConnectionEvent(endpoint: endpoint.name, peer: peer, outcome: .accepted, reason: "ok", explanation: "\(who) \(completed)")
        }
        event.sni = hello?.serverName
        event.alpnOffered = hello?.alpn ?? []
        event.tlsOffered = hello?.versions ?? []
        event.alpn = negotiated?.alpn
        event.tlsVersion = negotiated?.tlsVersion ?? serverVersion
        event.cipher = serverCipher
        event.resumed = negotiated?.resumed
        event.client = client
        event.notes = notes.map(\.text)
        if let scenario = endpoint.zoo {
            if !isAccepted && hello == nil {
                // A port check (connect and close) or a client that is not TLS: no verdict on the device.
                event.explanation = "the client closed the connection without starting TLS (a port check?); the zoo judges only TLS clients — " + event.explanation
                event.hint = "point the device at this port (\(scenario.rawValue)): it should refuse the server"
            } else {
                event.zoo = ConnectionEvent.ZooDetail(scenario: scenario, completedHandshake: isAccepted, sentData: false)
                if !isAccepted {
                    event.explanation = ConnectionEvent.ZooDetail.explanation(scenario, completedHandshake: false, sentData: nil) + " — " + event.explanation
                    if scenario.verdict(completedHandshake: false, sentData: false) != .wronglyRefused { event.hint = nil }
                }
            }
        }
        hello = nil
        guard isAccepted else { return [.record(event)] }
        // HTTPS routes read it back (/whoami). A zoo echo connection tells its story once it is known whether the
        // client sent data; an MQTT connection with its first MQTT event (CONNECT accepted or refused).
        switch endpoint.kind {
        case .https, .console:
            accepted = event
            return [.record(event)]
        case .echo where endpoint.zoo != nil, .mqtt:
            accepted = event
            return []
        default:
            return [.record(event)]
        }
    }

    /// The event's `detail` for a refusal the library did not word: the inner reason of a resumed session.
    private static func detail(of reason: RejectionReason) -> String? {
        if case .resumedSessionRefused(let inner) = reason { return "certificate check on resumption: \(inner.code.rawValue)" }
        return nil
    }

    static func isHangUp(_ detail: String) -> Bool {
        ["EOF during handshake", "eofDuringHandshake", "UNEXPECTED_EOF_WHILE_READING", "Connection reset", "ECONNRESET", "Broken pipe", "EPIPE"].contains { detail.contains($0) }
    }
}

/// What the story of a connection needs to know about its endpoint.
struct EndpointFacts: Sendable, Equatable {
    var name: String
    var kind: EndpointSpec.Kind
    var zoo: ZooServer?
    var clientAuth: EndpointSpec.ClientAuth
    /// The TLS library the listener runs on.
    var tlsEngine: EndpointSpec.TLSEngine = .boringssl
    /// What the words of a refusal may name.
    var context: RejectionContext
}
