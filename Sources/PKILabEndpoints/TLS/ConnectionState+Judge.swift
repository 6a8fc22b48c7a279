import Foundation
import NIOCore
import NIOSSL
import PKILab
import X509

extension ConnectionState {
    /// What pkilab's check says about a client certificate.
    enum Judgement: Sendable {
        /// Let in; the chain to hand to the TLS handler (what the client sent, completed with the lab's
        /// intermediates it left out).
        case accepted([NIOSSLCertificate])
        /// Refused, with the reason the event gives.
        case refused(Rejection)
    }

    /// The one check of a client certificate: run by the verification callback on a full handshake, and again
    /// on a resumed session's certificate (which BoringSSL does not check again), so a certificate revoked,
    /// expired or no longer trusted since the session was made cannot get back in by resuming it.
    ///
    /// - Parameters:
    ///   - ders: the certificates as DER, leaf first (nil where one could not be encoded).
    ///   - presented: the same certificates as the TLS handler holds them.
    ///   - chainSent: true when `presented` is what the client sent in this handshake; false for a resumed
    ///     session, whose leaf alone is known (so whether the client sent its intermediate is not judged again).
    func judge(ders: [[UInt8]?], presented: [NIOSSLCertificate], chainSent: Bool) async -> Judgement {
        let parsed = ders.map { $0.flatMap { try? Certificate(derEncoded: $0) } }
        let certificates = parsed.compactMap { $0 }
        if endpoint.spec.zoo != nil {
            // The zoo tests the device, not its certificate: whatever it presents is let in.
            if let leaf = certificates.first {
                update { $0.client = ConnectionEvent.ClientCertificate(CertificateDescription(leaf), chain: []) }
            }
            return .accepted(presented)
        }
        // swift-certificates will not load an RSA key under 2048 bits: read that one from the DER.
        if let first = ders.first ?? nil, parsed.first == .some(nil),
           let skim = try? CertificateSkim(derEncoded: first), let bits = skim.rsaBits, bits < 2048 {
            let name = skim.subject.commonName.map { "\"\($0)\"" } ?? "\"\(skim.subject)\""
            return .refused(Rejection(reason: .weakKey,
                                      explanation: "the client's certificate \(name) (issued by \"\(skim.issuer.commonName ?? skim.issuer.description)\") has a \(bits)-bit RSA key; this endpoint requires at least 2048 bits, as AWS IoT and OpenSSL at security level 2 do",
                                      hint: "issue the device a new key: key: rsa-2048 or ec-p256 in lab.yaml, then pkilab issue"))
        }
        guard let leaf = certificates.first, certificates.count == ders.count else {
            return .refused(Rejection(reason: .brokenChain, explanation: "the client sent a certificate that cannot be parsed",
                                      hint: "check the file the device loads: it should be the PEM or DER of cert.pem"))
        }
        let verdict = await endpoint.verifier.verify(leaf, presented: Array(certificates.dropFirst()), purpose: .client, at: endpoint.clock.now)
        let client = ConnectionEvent.ClientCertificate(CertificateDescription(leaf), chain: verdict.chain)
        update { $0.client = client }
        let name = leaf.subject.commonName.map { "\"\($0)\"" } ?? "\"\(leaf.subject)\""
        guard verdict.valid else {
            let reason = RejectionReason(verdict.reason ?? .brokenChain)
            let trusted = endpoint.verifier.roots.map { "\"\($0.subject.commonName ?? $0.subject.description)\"" }.joined(separator: ", ")
            var hint = verdict.hint
            if reason == .unknownAuthority { hint = "this endpoint trusts client certificates under \(trusted); issue the device's certificate from the lab (pkilab ls)" }
            if reason == .wrongPurpose { hint = "a client needs a certificate with role: client (or both) in lab.yaml; this one is for servers" }
            if reason == .expired, !endpoint.clock.isZero {
                hint = "the endpoints check with the lab's clock moved by \(endpoint.clock) (--lab-clock-offset): it is \(LabDate.humanWithTime(endpoint.clock.now)) for them; by this machine's clock the certificate may well be valid"
            }
            if reason == .notYetValid {
                hint = (endpoint.clock.isZero ? "" : "the endpoints' clock is moved by \(endpoint.clock) (--lab-clock-offset); ") + "the lab's clock says it is \(LabDate.humanWithTime(endpoint.clock.now)); a certificate made where the clock was wrong (an unset device clock says 1970) starts in the future: check not_before in lab.yaml and the clocks, then re-issue it"
            }
            return .refused(Rejection(reason: reason, explanation: "the client's certificate " + verdict.message, hint: hint))
        }
        // Which authorities on the path did the client not send?
        let sentSubjects = Set(certificates.dropFirst().map(\.subject.description))
        let missing = verdict.chain.dropFirst().dropLast().filter { !sentSubjects.contains($0) }
        if chainSent && !missing.isEmpty {
            let names = missing.compactMap { subject in endpoint.verifier.intermediates.first { $0.subject.description == subject } }
                .map { "\"\($0.subject.commonName ?? $0.subject.description)\"" }.joined(separator: ", ")
            if endpoint.spec.clientChain == .require {
                return .refused(Rejection(reason: .missingIntermediate,
                                          explanation: "the client sent \(name) without its intermediate \(names); this endpoint requires the whole chain, as Mosquitto with cafile = root does",
                                          hint: "make the device send fullchain.pem (cert.pem followed by chain.pem), or set client_chain: complete"))
            }
            update { $0.notes.append("the client sent no intermediate; pkilab completed the chain with \(names). A server that trusts only the root (Mosquitto with cafile = root) would refuse it: send fullchain.pem") }
        }
        var chain = presented
        for subject in missing { if let certificate = endpoint.intermediatesBySubject[subject] { chain.append(certificate) } }
        return .accepted(chain)
    }

    /// Checks the certificate of a resumed session again with ``judge(ders:presented:chainSent:)``, on the
    /// connection's event loop. The future holds nil when it is still let in, else the refusal to tell
    /// (``RejectionReason/resumedSessionRefused``, naming the reason it fails now).
    func recheckResumedSession(_ peer: NIOSSLCertificate, on eventLoop: any EventLoop) -> EventLoopFuture<Rejection?> {
        let promise = eventLoop.makePromise(of: Rejection?.self)
        let der = try? peer.toDERBytes()
        let loop = EventLoopIsolation(eventLoop)
        _ = loop.assumeIsolated { loop in
            Task {
                _ = loop
                switch await self.judge(ders: [der], presented: [peer], chainSent: false) {
                case .accepted:
                    self.update { $0.notes.append("the session was resumed: its certificate was checked again (chain, dates, revocation, trust) as on a full handshake") }
                    promise.succeed(nil)
                case .refused(let inner):
                    promise.succeed(Self.resumedSessionRefusal(inner))
                }
            }
        }
        return promise.futureResult
    }

    /// The refusal of a resumed session whose certificate no longer passes: the reason it fails now, in words
    /// and as `detail` (`certificate check on resumption: revoked`).
    static func resumedSessionRefusal(_ inner: Rejection) -> Rejection {
        Rejection(reason: .resumedSessionRefused,
                  explanation: "the client resumed a TLS session, but its certificate is no longer let in (\(inner.reason.rawValue)): \(inner.explanation); the connection was closed before any of its data was read",
                  hint: (inner.hint ?? "give the device a certificate this endpoint accepts") + " (a resumed session is checked again, like a new connection)",
                  detail: "certificate check on resumption: \(inner.reason.rawValue)")
    }
}
