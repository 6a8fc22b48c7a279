import Foundation
import NIOCore
import NIOSSL
import NIOTLS
import PKILab
import X509

/// Sits after the TLS handler and turns how the handshake ended into exactly one connection event: accepted
/// (with version, ALPN and the client's identity), or rejected with a reason derived from a real check.
final class TLSEventHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let state: ConnectionState
    private var timeout: Scheduled<Void>?
    private var completed = false
    /// What arrived while a resumed session's certificate is checked again (nil when nothing is held back).
    private var held: [Held]?
    /// A resumed session was refused: nothing more the client sends is passed on while the TLS handler closes.
    private var refused = false

    private enum Held {
        case read(NIOAny)
        case readComplete
        case event(Any)
    }

    init(state: ConnectionState) {
        self.state = state
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let state = self.state
        let channel = context.channel
        timeout = context.eventLoop.scheduleTask(in: state.endpoint.handshakeTimeout) {
            let seconds = state.endpoint.handshakeTimeout.nanoseconds / 1_000_000_000
            state.reject(.init(reason: .handshakeTimeout, explanation: "the client did not finish the TLS handshake within \(seconds) seconds",
                               hint: "a device that stalls here often has too little memory for the handshake, or waits on its own clock or a DNS lookup"))
            state.emit(accepted: false)
            channel.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timeout?.cancel()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if refused { return }
        if held != nil {
            held!.append(.event(event))
            return
        }
        if case TLSUserEvent.handshakeCompleted(let negotiated) = event {
            completed = true
            let sync = context.pipeline.syncOperations
            let version = (try? sync.nioSSL_tlsVersion()).flatMap { $0 }.map(Self.name)
            let peer = (try? sync.nioSSL_peerCertificate()) ?? nil
            let callbackRan = state.read { $0.callbackRan }
            if !callbackRan, let peer {
                // A resumed session: BoringSSL let it in on the strength of the first handshake. Check its
                // certificate again, holding back everything the client sends (and the news that the handshake
                // is done) until the check has spoken, so no application byte is acted upon before.
                held = []
                state.update { $0.recheckingResumedSession = true }
                state.recheckResumedSession(peer, on: context.eventLoop).assumeIsolated().whenComplete { result in
                    let refusal: ConnectionState.Rejection? = switch result {
                    case .success(let refusal): refusal
                    case .failure(let error): .init(reason: .resumedSessionRefused, explanation: "the certificate of a resumed session could not be checked again: \(error)", hint: nil)
                    }
                    self.resumptionChecked(context: context, event: event, version: version, alpn: negotiated, refusal: refusal)
                }
                return
            }
            timeout?.cancel()
            if peer == nil && state.endpoint.spec.clientAuth == .optional {
                state.update { $0.notes.append("no client certificate (client_auth: optional lets it in)") }
            }
            state.emit(accepted: true, tlsVersion: version, alpn: negotiated, resumed: false)
            context.fireUserInboundEventTriggered(event)
            (try? context.pipeline.syncOperations.handler(type: ClientHelloSniffer.self))?.handshakeEnded()
            return
        } else if event is ChannelShouldQuiesceEvent, !completed {
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// The resumed session's certificate has been checked again: let the connection through with what it held
    /// back, or refuse it (nothing it sent reaches the application).
    private func resumptionChecked(context: ChannelHandlerContext, event: Any, version: String?, alpn: String?, refusal: ConnectionState.Rejection?) {
        timeout?.cancel()
        if let refusal {
            held = nil
            refused = true
            state.reject(refusal)
            state.emit(accepted: false, tlsVersion: version, alpn: alpn, resumed: true)
            context.close(promise: nil)
            return
        }
        state.emit(accepted: true, tlsVersion: version, alpn: alpn, resumed: true)
        guard context.channel.isActive, held != nil else {
            held = nil
            return
        }
        context.fireUserInboundEventTriggered(event)
        (try? context.pipeline.syncOperations.handler(type: ClientHelloSniffer.self))?.handshakeEnded()
        // What arrives while the held items are passed on joins the end of the queue, so the order stays.
        while let next = held?.first {
            held!.removeFirst()
            switch next {
            case .read(let data): context.fireChannelRead(data)
            case .readComplete: context.fireChannelReadComplete()
            case .event(let event): context.fireUserInboundEventTriggered(event)
            }
        }
        held = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if refused { return }
        if held != nil {
            held!.append(.read(data))
            return
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if refused { return }
        if held != nil {
            held!.append(.readComplete)
            return
        }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !completed {
            // The TLS handler sends its alert and closes by itself; a handler further on that closed now could
            // get a close_notify out before the alert. So a handshake error stops here.
            state.connectionEnded(Self.classify(error, state: state))
            (try? context.pipeline.syncOperations.handler(type: ClientHelloSniffer.self))?.handshakeEnded()
            return
        }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeout?.cancel()
        // Closed while a resumed session was being checked: the check still tells the story; nothing held is
        // passed on.
        held = nil
        if !completed {
            state.connectionEnded(.init(reason: .peerClosed, explanation: "the client closed the connection before the handshake finished",
                                        hint: "a client that does not trust the server sometimes just hangs up; check the device's log",
                                        detail: "EOF during handshake"))
        }
        context.fireChannelInactive()
    }

    static func name(_ version: TLSVersion) -> String {
        switch version {
        case .tlsv1: "1.0"
        case .tlsv11: "1.1"
        case .tlsv12: "1.2"
        case .tlsv13: "1.3"
        }
    }

    static func clientAlert(_ name: String, endpoint: EndpointContext, detail: String) -> ConnectionState.Rejection {
        let spec = endpoint.spec
        let explanation = "the client refused this server (it sent the TLS alert \"\(name)\")"
        let hint: String
        switch name {
        case "certificate_expired":
            hint = "the client thinks the server certificate \"\(spec.certificate)\" is expired or not yet valid: its clock is probably wrong (unset devices think it is 1970); set it (SNTP) or check pkilab show \(spec.certificate)"
        case "unrecognized_name":
            hint = "the name the client sent (SNI) is not one this server answers for; dial a name in the SANs of \"\(spec.certificate)\""
        case "protocol_version", "insufficient_security", "handshake_failure":
            hint = "the client and this endpoint share no TLS version or cipher it accepts; check tls_min/tls_max and ciphers: in lab.yaml"
        default:
            hint = "the device does not trust this server: is the lab root (\(endpoint.rootBundle)) in its trust store, and does the name it dialed appear in the SANs of \"\(spec.certificate)\" (pkilab show \(spec.certificate))?"
        }
        return .init(reason: .clientRejectedServer, explanation: explanation, hint: hint, detail: detail)
    }

    /// The one place that reads BoringSSL's error stack and says what it means.
    static func classify(_ error: any Error, state: ConnectionState) -> ConnectionState.Rejection {
        let text = String(describing: error)
        let reasons = text.matches(of: /OPENSSL_internal:([A-Z0-9_]+)/).map { String($0.1) }
        let spec = state.endpoint.spec
        let offered = state.read { $0.hello?.versions ?? [] }
        if reasons.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") {
            return .init(reason: .noClientCertificate, explanation: "the client sent no certificate (this endpoint requires one)",
                         hint: state.endpoint.clientCertificateHint, detail: text)
        }
        if reasons.contains("BAD_SIGNATURE"), let client = state.read({ $0.client }) {
            let name = client.commonName.map { "\"\($0)\"" } ?? "\"\(client.subject)\""
            return .init(reason: .keyMismatch,
                         explanation: "the client's certificate \(name) and the private key it signed the handshake with do not belong together: its signature (CertificateVerify) does not verify with the certificate's public key",
                         hint: "give the client the key.pem from the same folder as its cert.pem (a certificate without its own key, such as another device's, is always refused)",
                         detail: text)
        }
        let plaintextAlert = state.read { $0.clientAlert }
        if let alert = reasons.first(where: { $0.contains("_ALERT_") }).map({
            $0.replacingOccurrences(of: "SSLV3_ALERT_", with: "").replacingOccurrences(of: "TLSV1_ALERT_", with: "").lowercased()
        }) ?? plaintextAlert.map(TLSAlert.name) {
            return clientAlert(alert, endpoint: state.endpoint, detail: text)
        }
        if reasons.contains(where: { ["UNSUPPORTED_PROTOCOL", "WRONG_VERSION_NUMBER", "TLSV1_ALERT_PROTOCOL_VERSION"].contains($0) }) {
            let offers = offered.isEmpty ? "" : " it offers TLS \(offered.joined(separator: ", "));"
            return .init(reason: .protocolVersion, explanation: "no TLS version in common:\(offers) this endpoint speaks TLS \(spec.minimumTLS.rawValue)–\(spec.maximumTLS.rawValue)",
                         hint: "set tls_min/tls_max on the endpoint in lab.yaml (1.0 and 1.1 only for old devices), or update the client", detail: text)
        }
        if reasons.contains(where: { ["NO_SHARED_CIPHER", "NO_SHARED_GROUP", "NO_COMMON_SIGNATURE_ALGORITHMS"].contains($0) }) {
            return .init(reason: .noSharedCipher, explanation: "no cipher suite, curve or signature algorithm in common with the client",
                         hint: "check the client's cipher list against the endpoint's ciphers: in lab.yaml, and the server key type (ed25519 is rarely supported)",
                         detail: text)
        }
        if reasons.contains(where: { ["HTTP_REQUEST", "HTTPS_PROXY_REQUEST"].contains($0) }) {
            return .init(reason: .notATLSClient, explanation: "the client sent plain HTTP to a TLS port", hint: "use https://", detail: text)
        }
        if text.contains("eofDuringHandshake") || text.contains("EOF during handshake") || text.contains("Connection reset") || text.contains("ECONNRESET") || text.contains("Broken pipe") {
            return .init(reason: .peerClosed, explanation: "the client closed the connection during the handshake",
                         hint: "a client that does not trust the server sometimes hangs up without an alert; check the device's log", detail: text)
        }
        return .init(reason: .handshakeFailed, explanation: "the TLS handshake failed: \(reasons.first ?? text)", hint: nil, detail: text)
    }
}
