import Foundation
import Synchronization
import X509

/// Answers "is this certificate revoked?" from the CRLs in a store, re-reading a CRL whenever its file
/// changes, so `pkilab revoke` takes effect on the next handshake without a restart.
///
/// A CRL is only believed when its issuer's key signed it.
public final class RevocationChecker: Sendable {
    /// A revoked certificate, as its authority's CRL lists it.
    public struct Finding: Sendable, Hashable {
        public var authority: String
        public var authoritySubject: String
        public var revokedAt: Date
        public var reason: RevocationReason?
        public var crlNumber: Int?
    }

    private struct Loaded {
        var stamp: [Int]
        var list: CertificateRevocationList?
    }

    private let directory: CADirectory
    private let authorities: [(name: String, certificate: Certificate)]
    private let cache = Mutex<[String: Loaded]>([:])

    /// - Parameter authorities: the lab's authorities by name, whose CRLs `directory` holds.
    public init(directory: CADirectory, authorities: [(name: String, certificate: Certificate)]) {
        self.directory = directory
        self.authorities = authorities
    }

    /// The revocation of `certificate` by `issuer`, if `issuer` is a lab authority and its CRL lists it.
    public func finding(for certificate: Certificate, issuer: Certificate) -> Finding? {
        // By name and key, not the whole certificate: a device may still send an intermediate the lab has since
        // re-signed with the same key.
        guard let authority = authorities.first(where: { $0.certificate.subject == issuer.subject && $0.certificate.publicKey == issuer.publicKey }),
              let list = list(of: authority.name, issuer: issuer),
              let entry = list.entry(forSerial: certificate.serialNumber.bytes) else { return nil }
        return Finding(authority: authority.name, authoritySubject: issuer.subject.commonName ?? issuer.subject.description,
                       revokedAt: entry.revokedAt, reason: entry.reason, crlNumber: list.number)
    }

    private func list(of name: String, issuer: Certificate) -> CertificateRevocationList? {
        let path = directory.crl(forAuthority: name)
        var info = stat()
        let found = stat(path, &info) == 0
        #if canImport(Darwin)
        let modified = info.st_mtimespec
        #else
        let modified = info.st_mtim
        #endif
        let stamp = found ? [Int(info.st_ino), Int(info.st_size), Int(modified.tv_sec), Int(modified.tv_nsec)] : []
        let cached = cache.withLock { $0[name] }
        if let cached, cached.stamp == stamp { return cached.list }
        // A file that is there but cannot be read now (out of descriptors, EIO) is not "no list": the last list
        // read stays in force and nothing is remembered, so the next handshake reads it again.
        guard let data = FileManager.default.contents(atPath: path) ?? (found ? nil : Data()) else { return cached?.list }
        let list = (try? CertificateRevocationList(derEncoded: Array(data))).flatMap { $0.isSigned(by: issuer) ? $0 : nil }
        cache.withLock { $0[name] = Loaded(stamp: stamp, list: list) }
        return list
    }
}
