import Foundation
import NIOCore
import NIOSSL
import PKILab
import Synchronization
import X509

/// The story of one connection, gathered by the handlers around the TLS handler and told once as a
/// ``ConnectionEvent``.
final class ConnectionState: Sendable {
    struct Rejection: Sendable {
        var reason: RejectionReason
        var explanation: String
        var hint: String?
        var detail: String?
    }

    struct Info: Sendable {
        var hello: ClientHello?
        var serverCipher: String?
        var serverVersion: String?
        var rejection: Rejection?
        var client: ConnectionEvent.ClientCertificate?
        var notes: [String] = []
        var callbackRan = false
        /// A resumed session's certificate is being checked again (the handshake is not over for the application).
        var recheckingResumedSession = false
        /// Where pkilab's own check of the client certificate is.
        var verification = Verification.notStarted
        /// The connection ended while the check was still running: how it ended, to tell once the check is done.
        var endedDuringVerification: Rejection?
        /// A fatal alert the client sent in plain text during the handshake.
        var clientAlert: UInt8?
        var handshakeCompleted = false
        var emitted = false
        /// Refused: the alert has gone out and the connection only drains what the client still sends.
        var draining = false
        var accepted: ConnectionEvent?
        var outcome: ConnectionEvent.Outcome?
    }

    enum Verification: Sendable {
        case notStarted, pending, accepted, rejected
    }

    let endpoint: EndpointContext
    let peer: String
    private let info = Mutex(Info())

    init(endpoint: EndpointContext, peer: String) {
        self.endpoint = endpoint
        self.peer = peer
    }

    func update(_ body: (inout Info) -> Void) {
        info.withLock { body(&$0) }
    }

    func read<T: Sendable>(_ body: (Info) -> T) -> T {
        info.withLock { body($0) }
    }

    /// Records why the connection is being refused, unless an earlier, more precise reason is already known.
    func reject(_ rejection: Rejection) {
        update { if $0.rejection == nil { $0.rejection = rejection } }
    }

    /// The accepted event, for routes that report what was negotiated (`/whoami`) and the MQTT broker's first event.
    var acceptedEvent: ConnectionEvent? { read { $0.accepted } }

    /// Tells the story: once per connection, whatever calls it later.
    func emit(accepted: Bool, tlsVersion: String? = nil, alpn: String? = nil, resumed: Bool? = nil) {
        let event: ConnectionEvent? = info.withLock { state in
            guard !state.emitted else { return nil }
            state.emitted = true
            state.outcome = accepted ? .accepted : .rejected
            var event: ConnectionEvent
            if accepted {
                let who = state.client.map { "\($0.commonName.map { "\"\($0)\"" } ?? $0.subject)" } ?? "a client without a certificate"
                event = ConnectionEvent(endpoint: endpoint.spec.name, peer: peer, outcome: .accepted, reason: "ok",
                                        explanation: "\(who) completed mutual TLS")
            } else {
                let rejection = state.rejection ?? Rejection(reason: .peerClosed, explanation: "the client closed the connection before the handshake finished",
                                                             hint: "a client that does not trust the server sometimes just hangs up; check the device's log")
                event = ConnectionEvent(endpoint: endpoint.spec.name, peer: peer, outcome: .rejected, reason: rejection.reason.rawValue,
                                        explanation: rejection.explanation, hint: rejection.hint)
                event.detail = rejection.detail
            }
            event.sni = state.hello?.serverName
            event.alpnOffered = state.hello?.alpn ?? []
            event.tlsOffered = state.hello?.versions ?? []
            event.alpn = alpn
            event.tlsVersion = tlsVersion ?? state.serverVersion
            event.cipher = state.serverCipher
            event.resumed = resumed
            event.client = state.client
            event.notes = state.notes
            if let scenario = endpoint.spec.zoo, !accepted && state.hello == nil {
                // A port check (connect and close) or a client that is not TLS: no verdict on the device.
                event.explanation = "the client closed the connection without starting TLS (a port check?); the zoo judges only TLS clients — " + event.explanation
                event.hint = "point the device at this port (\(scenario.rawValue)): it should refuse the server"
            } else if let scenario = endpoint.spec.zoo {
                event.zoo = ConnectionEvent.ZooDetail(scenario: scenario, completedHandshake: accepted, sentData: false)
                if !accepted {
                    event.explanation = ConnectionEvent.ZooDetail.explanation(scenario, completedHandshake: false, sentData: nil)
                        + " — " + event.explanation
                    if scenario.verdict(completedHandshake: false, sentData: false) != .wronglyRefused { event.hint = nil }
                }
            }
            // Only HTTPS routes read it back (/whoami); an idle echo connection keeps nothing it does not need.
            if accepted && endpoint.spec.kind == .https { state.accepted = event }
            state.hello = nil
            // A zoo echo connection that completed tells its story once it is known whether the client sent data.
            if accepted && endpoint.spec.zoo != nil && endpoint.spec.kind == .echo {
                state.accepted = event
                return nil
            }
            // An accepted MQTT connection tells its story with its first MQTT event (CONNECT accepted or refused),
            // which carries these TLS details.
            if accepted && endpoint.spec.kind == .mqtt {
                state.accepted = event
                return nil
            }
            return event
        }
        if let event { endpoint.events.record(event) }
    }

    /// A zoo echo connection that completed its handshake: tells the story now that it is known whether the
    /// client sent data (`sentBytes` > 0) before closing or while connected.
    func finishZoo(sentBytes: Int) {
        let event: ConnectionEvent? = info.withLock { state in
            guard var event = state.accepted, let scenario = endpoint.spec.zoo, event.zoo != nil else { return nil }
            state.accepted = nil
            event.time = Date()
            event.zoo = ConnectionEvent.ZooDetail(scenario: scenario, completedHandshake: true, sentData: sentBytes > 0)
            event.explanation = ConnectionEvent.ZooDetail.explanation(scenario, completedHandshake: true,
                                                                        sentData: sentBytes > 0 ? "\(sentBytes) bytes" : nil)
            if event.zoo?.verdict == .wronglyAccepted {
                event.hint = "fix the device's server check before it meets a real attacker: \(scenario.expectedBehaviour)"
            }
            return event
        }
        if let event { endpoint.events.record(event) }
    }

    // MARK: Client certificate check

    /// The custom verification callback: runs pkilab's own chain check on what the client presented, so a
    /// refusal carries its reason (BoringSSL alone would only say CERTIFICATE_VERIFY_FAILED).
    func verify(_ presented: [NIOSSLCertificate], promise: EventLoopPromise<NIOSSLVerificationResultWithMetadata>) {
        update {
            $0.callbackRan = true
            $0.verification = .pending
        }
        let ders = presented.map { try? $0.toDERBytes() }
        // The check runs on the connection's own event loop (an actor whose executor it is), so a handshake does
        // not wait for two thread hops to the global executor and back.
        let loop = EventLoopIsolation(promise.futureResult.eventLoop)
        _ = loop.assumeIsolated { loop in
            Task {
                _ = loop
                switch await self.judge(ders: ders, presented: presented, chainSent: true) {
                case .accepted(let chain):
                    self.verificationFinished(accepted: true)
                    promise.succeed(.certificateVerified(VerificationMetadata(ValidatedCertificateChain(chain))))
                case .refused(let rejection):
                    self.reject(rejection)
                    self.verificationFinished(accepted: false)
                    promise.succeed(.failed)
                }
            }
        }
    }

    /// Records the check's verdict; if the connection already ended meanwhile, tells the story now.
    private func verificationFinished(accepted: Bool) {
        let ended: Rejection? = info.withLock { state in
            state.verification = accepted ? .accepted : .rejected
            return state.endedDuringVerification
        }
        guard let ended else { return }
        connectionEnded(ended)
    }

    /// The connection failed or closed before the TLS handler reported the handshake complete. In TLS 1.3 a
    /// client may finish its side and hang up (`openssl s_time`, health checks) while pkilab still checks its
    /// certificate, or be reset by the session tickets that follow: once its certificate has been accepted that
    /// is a completed mutual-TLS handshake, not a refusal.
    func connectionEnded(_ rejection: Rejection) {
        let verification: Verification = info.withLock { state in
            if state.verification == .pending, state.endedDuringVerification == nil { state.endedDuringVerification = rejection }
            return state.verification
        }
        switch verification {
        case .pending:
            return
        case .accepted where [.peerClosed, .handshakeFailed].contains(rejection.reason) && rejection.detail.map(Self.isHangUp) ?? true:
            update { $0.notes.append("the client closed the connection right after its side of the handshake; its certificate had been accepted") }
            emit(accepted: true)
        default:
            reject(rejection)
            emit(accepted: false)
        }
    }

    static func isHangUp(_ detail: String) -> Bool {
        ["EOF during handshake", "eofDuringHandshake", "Connection reset", "ECONNRESET", "Broken pipe", "EPIPE"].contains { detail.contains($0) }
    }
}

/// An actor that runs on a NIO event loop, so tasks started for a connection stay on its thread.
actor EventLoopIsolation {
    nonisolated let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    nonisolated var unownedExecutor: UnownedSerialExecutor {
        eventLoop.executor.asUnownedSerialExecutor()
    }
}
