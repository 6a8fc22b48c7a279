import Foundation
import PKILab
import X509

extension EndpointContext {
    /// What pkilab's check says about a client certificate.
    struct Judgement: Sendable {
        enum Verdict: Sendable {
            /// Let in; `missing` names the subjects of the lab's intermediates the client left out (the TLS handler
            /// is handed the chain completed with them).
            case accepted(missing: [String])
            /// Refused, with the reason the event gives.
            case refused(RejectionReason)
        }

        var verdict: Verdict
        /// The certificate as the event describes it (nil when nothing could be read).
        var client: ConnectionEvent.ClientCertificate?
        var notes: [ConnectionNote] = []
    }

    /// The one check of a client certificate: run by the verification callback on a full handshake, and again on
    /// a resumed session's certificate (which BoringSSL does not check again), so a certificate revoked, expired
    /// or no longer trusted since the session was made cannot get back in by resuming it.
    ///
    /// - Parameters:
    ///   - ders: the certificates as DER, leaf first (nil where one could not be encoded).
    ///   - chainSent: true when `ders` is what the client sent in this handshake; false for a resumed
    ///     session, whose leaf alone is known (so whether the client sent its intermediate is not judged again).
    func judge(ders: [[UInt8]?], chainSent: Bool) async -> Judgement {
        let parsed = ders.map { $0.flatMap { try? Certificate(derEncoded: $0) } }
        let certificates = parsed.compactMap { $0 }
        if spec.zoo != nil {
            // The zoo tests the device, not its certificate: whatever it presents is let in.
            let client = certificates.first.map { ConnectionEvent.ClientCertificate(CertificateDescription($0), chain: []) }
            return Judgement(verdict: .accepted(missing: []), client: client)
        }
        // swift-certificates will not load an RSA key under 2048 bits: read that one from the DER.
        if let first = ders.first ?? nil, parsed.first == .some(nil),
           let skim = try? CertificateSkim(derEncoded: first), let bits = skim.rsaBits, bits < 2048 {
            return Judgement(verdict: .refused(.certificate(.weakKey(bits: bits))), client: ConnectionEvent.ClientCertificate(skim))
        }
        guard let leaf = certificates.first, certificates.count == ders.count else {
            let client = ders.first.flatMap { $0 }.flatMap { try? CertificateSkim(derEncoded: $0) }.map(ConnectionEvent.ClientCertificate.init)
            return Judgement(verdict: .refused(.certificate(.unparseable)), client: client)
        }
        let verdict = await verifier.verify(leaf, presented: Array(certificates.dropFirst()), purpose: .client, at: clock.now)
        let client = ConnectionEvent.ClientCertificate(CertificateDescription(leaf), chain: verdict.chain)
        guard verdict.valid else {
            return Judgement(verdict: .refused(.certificate(verdict.problem ?? .rfc5280(detail: verdict.message))), client: client)
        }
        // Which authorities on the path did the client not send?
        let sentSubjects = Set(certificates.dropFirst().map(\.subject.description))
        let missing = verdict.chain.dropFirst().dropLast().filter { !sentSubjects.contains($0) }
        var notes: [ConnectionNote] = []
        if chainSent && !missing.isEmpty {
            let names = missing.compactMap { subject in verifier.intermediates.first { $0.subject.description == subject } }
                .map { $0.subject.commonName ?? $0.subject.description }
            if spec.clientChain == .require {
                return Judgement(verdict: .refused(.missingIntermediate(missing: names)), client: client)
            }
            notes.append(.chainCompleted(authorities: names))
        }
        return Judgement(verdict: .accepted(missing: Array(missing)), client: client, notes: notes)
    }
}
