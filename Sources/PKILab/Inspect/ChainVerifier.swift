import Foundation
import SwiftASN1
@_spi(FixedExpiryValidationTime) import X509

/// Checks a certificate against a lab's authorities and says in one sentence why it fails.
///
/// The reasons come from checks of their own (issuer lookup by name and signature, dates, EKU, names), so the
/// message can name a date or an authority; swift-certificates' `Verifier` with RFC 5280 rules then has the
/// last word, and anything it refuses that the checks did not explain is reported as a broken chain.
public struct ChainVerifier: Sendable {
    /// What the certificate is to be used for.
    public enum Purpose: String, Sendable, Codable, CaseIterable {
        case server
        case client
    }

    public var roots: [Certificate]
    public var intermediates: [Certificate]
    /// The store's CRLs; nil to skip revocation checks.
    public var revocation: RevocationChecker?

    public init(roots: [Certificate], intermediates: [Certificate], revocation: RevocationChecker? = nil) {
        self.roots = roots
        self.intermediates = intermediates
        self.revocation = revocation
    }

    /// Verifies `leaf`, using `presented` certificates (for example the rest of a fullchain.pem) as well as the
    /// lab's own intermediates.
    public func verify(_ leaf: Certificate, presented: [Certificate] = [], host: String? = nil, purpose: Purpose? = nil,
                       at time: Date = Date()) async -> ChainVerdict {
        let leafName = Self.name(leaf.subject)
        // The common case first: swift-certificates' RFC 5280 verifier accepts it. Only a failure needs the
        // checks below, which find the reason in words.
        let isAuthority = (try? leaf.extensions.basicConstraints).map { if case .isCertificateAuthority = $0 { return true } else { return false } } ?? false
        if !(purpose != nil && isAuthority), case .validCertificate(let chain) = await rfc5280(leaf, presented: presented, host: host, purpose: purpose, at: time) {
            return revoked(Array(chain), leafName: leafName) ?? Self.valid(leafName: leafName, leaf: leaf, chain: Array(chain), host: host, purpose: purpose)
        }
        // 1. A path to a root of the lab.
        var path = [leaf]
        let candidates = presented + intermediates + roots
        while let last = path.last, !roots.contains(last) {
            let named = candidates.filter { $0.subject == last.issuer && !path.contains($0) }
            guard let issuer = named.first(where: { last.isIssued(by: $0) }) else {
                let issuerName = Self.name(last.issuer)
                if named.isEmpty && last.issuer == last.subject { return fail(.selfSigned(issuer: issuerName), path) }
                if named.isEmpty {
                    return fail(.unknownIssuer(issuer: issuerName, authority: last == leaf ? nil : last.subject.commonName ?? ""), path)
                }
                return fail(.signatureMismatch(issuer: issuerName), path)
            }
            path.append(issuer)
            guard path.count <= 16 else { break }
        }

        // 2. Dates, leaf first.
        for certificate in path {
            let authority = certificate == leaf ? nil : certificate.subject.commonName ?? certificate.subject.description
            if time > certificate.notValidAfter { return fail(.expired(authority: authority, date: certificate.notValidAfter), path) }
            if time < certificate.notValidBefore { return fail(.notYetValid(authority: authority, date: certificate.notValidBefore), path) }
        }

        // 3. Purpose.
        let description = CertificateDescription(leaf)
        if let purpose {
            if description.isAuthority { return fail(.authorityAsLeaf(purpose: purpose), path) }
            let usage = purpose == .server ? "serverAuth" : "clientAuth"
            if !description.extendedKeyUsage.isEmpty && !description.extendedKeyUsage.contains(usage) {
                return fail(.missingUsage(purpose: purpose, usages: description.extendedKeyUsage), path)
            }
        }

        // 4. The name the client dialled.
        if let host {
            let target: CertificateName? = CertificateName.parseIP(host) ?? .dns(host.lowercased())
            if let target, !Self.matches(target, names: description.names) {
                let isIP = target.isIPv4 || { if case .ip = target { return true } else { return false } }()
                let nearMiss = description.names.contains { $0.hasPrefix("DNS:*.") && host.lowercased().hasSuffix($0.dropFirst(5).lowercased()) }
                return fail(.nameMismatch(host: host, isIP: isIP, wildcardNearMiss: nearMiss, names: description.names), path)
            }
        }

        // 5. Critical extensions nobody here processes (swift-certificates refuses them without a word).
        let handled = Self.handledCriticalExtensions(host: host)
        for certificate in path {
            let unknown = certificate.extensions.filter { $0.critical && !handled.contains($0.oid) }.map { "\($0.oid)" }
            guard !unknown.isEmpty else { continue }
            let authority = certificate == leaf ? nil : certificate.subject.commonName ?? certificate.subject.description
            return fail(.unknownCriticalExtension(authority: authority, oids: unknown), path)
        }

        // 6. RFC 5280 as swift-certificates sees it.
        switch await rfc5280(leaf, presented: presented, host: host, purpose: purpose, at: time) {
        case .validCertificate:
            return revoked(path, leafName: leafName) ?? Self.valid(leafName: leafName, leaf: leaf, chain: path, host: host, purpose: purpose)
        case .couldNotValidate(let failures):
            let text = failures.first.map { Self.short($0.policyFailureReason.description) } ?? "no path to a trusted root"
            if text.lowercased().contains("subtree") || text.lowercased().contains("name constraint") {
                return fail(.nameConstraintViolation(detail: text), path)
            }
            return fail(.rfc5280(detail: text), path)
        }

        func fail(_ problem: CertificateProblem, _ path: [Certificate]) -> ChainVerdict {
            ChainVerdict(failing: problem, leafName: leafName, chain: path.map(\.subject.description))
        }
    }

    /// `"device-001"`, or the whole name when it has no common name, as sentences quote a certificate.
    static func name(_ name: DistinguishedName) -> String {
        name.commonName.map { "\"\($0)\"" } ?? "\"\(name)\""
    }

    /// The verdict when a certificate on `chain` (leaf first, root last) is on its authority's CRL.
    private func revoked(_ chain: [Certificate], leafName: String) -> ChainVerdict? {
        guard let revocation, chain.count > 1 else { return nil }
        for index in 0..<(chain.count - 1) {
            guard let finding = revocation.finding(for: chain[index], issuer: chain[index + 1]) else { continue }
            let authority = index == 0 ? nil : chain[index].subject.commonName ?? chain[index].subject.description
            return ChainVerdict(failing: .revoked(authority: authority, date: finding.revokedAt, crlReason: finding.reason?.rawValue,
                                                  by: finding.authoritySubject, crlNumber: finding.crlNumber.map { "\($0)" }),
                                leafName: leafName, chain: chain.map(\.subject.description))
        }
        return nil
    }

    /// The critical extensions the RFC 5280 check below processes (the same policies as ``rfc5280``); any other
    /// critical extension makes swift-certificates refuse the chain.
    static func handledCriticalExtensions(host: String?) -> Set<ASN1ObjectIdentifier> {
        var handled = RFC5280Policy(fixedExpiryValidationTime: Date()).verifyingCriticalExtensions
            + ExtendedKeyUsagePolicy(required: nil).verifyingCriticalExtensions
        if let host { handled += ServerIdentityPolicy(serverHostname: host, serverIP: nil).verifyingCriticalExtensions }
        return Set(handled)
    }

    private func rfc5280(_ leaf: Certificate, presented: [Certificate], host: String?, purpose: Purpose?, at time: Date) async -> CertificateValidationResult {
        let requiredUsage: ExtendedKeyUsage.Usage? = purpose.map { $0 == .server ? .serverAuth : .clientAuth }
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
            RFC5280Policy(fixedExpiryValidationTime: time)
            ExtendedKeyUsagePolicy(required: requiredUsage)
            if let host { ServerIdentityPolicy(serverHostname: CertificateName.parseIP(host) == nil ? host : nil,
                                               serverIP: CertificateName.parseIP(host) == nil ? nil : host) }
        }
        return await verifier.validate(leaf: leaf, intermediates: CertificateStore(presented + intermediates))
    }

    private static func valid(leafName: String, leaf: Certificate, chain: [Certificate], host: String?, purpose: Purpose?) -> ChainVerdict {
        var what = "it chains to \"\(chain.last?.subject.commonName ?? "")\""
        if let purpose { what += ", is valid for TLS \(purpose)s" }
        if let host { what += " and for \(host)" }
        what += ", until \(LabDate.human(leaf.notValidAfter))"
        return ChainVerdict(validMessage: "\(leafName) is valid: \(what)", chain: chain.map(\.subject.description))
    }

    /// RFC 6125 matching: exact DNS names, a wildcard for exactly one leftmost label, and IP addresses by value.
    public static func matches(_ target: CertificateName, names: [String]) -> Bool {
        for entry in names {
            switch target {
            case .dns(let host):
                guard entry.hasPrefix("DNS:") else { continue }
                let pattern = entry.dropFirst(4).lowercased()
                if pattern == host { return true }
                if pattern.hasPrefix("*."), let dot = host.firstIndex(of: "."), host[host.index(after: dot)...] == pattern.dropFirst(2), dot != host.startIndex {
                    return true
                }
            case .ip:
                guard entry.hasPrefix("IP:"), let parsed = CertificateName.parseIP(String(entry.dropFirst(3))) else { continue }
                if case .ip(let a, _) = parsed, case .ip(let b, _) = target, a == b { return true }
            default:
                continue
            }
        }
        return false
    }

    /// swift-certificates' reasons embed whole certificate dumps; keep the sentence only.
    static func short(_ text: String) -> String {
        var result = text
        while let start = result.range(of: "Certificate(") {
            var depth = 0
            var end = start.lowerBound
            for index in result[start.lowerBound...].indices {
                if result[index] == "(" { depth += 1 }
                if result[index] == ")" { depth -= 1; if depth == 0 { end = index; break } }
            }
            guard end > start.lowerBound else { break }
            result.replaceSubrange(start.lowerBound...end, with: "certificate")
        }
        return result
    }
}

/// Requires an extended key usage in the leaf (when it has the extension at all), which swift-certificates
/// does not check by itself.
struct ExtendedKeyUsagePolicy: VerifierPolicy {
    let required: ExtendedKeyUsage.Usage?
    var verifyingCriticalExtensions: [ASN1ObjectIdentifier] { [.X509ExtensionID.extendedKeyUsage] }

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        guard let required else { return .meetsPolicy }
        guard let eku = try? chain.leaf.extensions.extendedKeyUsage else { return .meetsPolicy }
        let name = CertificateDescription.describe(required)
        return eku.contains(required) ? .meetsPolicy : .failsToMeetPolicy(reason: "leaf lacks EKU \(name)")
    }
}
