import Crypto
import Foundation
import SwiftASN1
import X509

/// An OCSP responder (RFC 6960) for a lab's authorities: each authority answers for the certificates it
/// issued, from the same ledger as its CRL, and signs the answer itself (so no responder certificate is
/// needed). SHA-1 and SHA-256 certificate IDs; a nonce of 1 to 32 octets is echoed (RFC 8954), a longer one is
/// a malformed request.
///
/// swift-certificates keeps its OCSP types internal, so requests and responses are read and written here
/// with SwiftASN1.
public struct OCSPResponder: Sendable {
    /// What one certificate ID resolved to.
    public enum Status: Sendable, Hashable {
        case good
        case revoked(Date, RevocationReason?)
        case unknown
    }

    struct Authority: Sendable {
        var name: String
        var issued: IssuedCertificate
        var nameHash: [String: [UInt8]]
        var keyHash: [String: [UInt8]]
    }

    private let authorities: [Authority]
    private let ledger: RevocationLedger
    /// Serials the lab issued, by authority name (lab certificates, fleets and the zoo).
    private let issued: [String: Set<String>]

    static let sha1: ASN1ObjectIdentifier = [1, 3, 14, 3, 2, 26]
    static let sha256: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 1]
    static let nonceOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 48, 1, 2]
    /// How long an answer may be cached (its nextUpdate).
    public static let validity: TimeInterval = 3600

    /// A responder for `lab` as `store` holds it now (make one per request: it reads the ledger).
    public init(lab: Lab, store: LabStore) {
        var authorities: [Authority] = []
        for spec in lab.authorities {
            guard let issued = StoredPair(folder: store.directory.folder(forAuthority: spec.name)).issued else { continue }
            var subject = DER.Serializer()
            try? subject.serialize(issued.certificate.subject)
            let key = Array(issued.certificate.publicKey.subjectPublicKeyInfoBytes)
            authorities.append(Authority(
                name: spec.name, issued: issued,
                nameHash: ["sha1": Array(Insecure.SHA1.hash(data: subject.serializedBytes)), "sha256": Array(SHA256.hash(data: subject.serializedBytes))],
                keyHash: ["sha1": Array(Insecure.SHA1.hash(data: key)), "sha256": Array(SHA256.hash(data: key))]))
        }
        self.authorities = authorities
        ledger = (try? store.revocationLedger()) ?? RevocationLedger()
        var issued: [String: Set<String>] = [:]
        let subjects = Dictionary(authorities.map { ($0.issued.certificate.subject.description, $0.name) }, uniquingKeysWith: { first, _ in first })
        for entry in (try? store.index())?.entries ?? [] {
            if let name = subjects[entry.issuer] { issued[name, default: []].insert(entry.serial) }
        }
        if let zoo = store.zooManifest() {
            issued[zoo.issuer, default: []].formUnion((zoo.servers + zoo.clients).map(\.serial))
        }
        self.issued = issued
    }

    /// The DER OCSPResponse to `request`: `successful` with one signed answer per certificate ID;
    /// `malformedRequest` when it cannot be read or its nonce is not 1 to 32 octets (RFC 8954); `unauthorized`
    /// when its IDs do not all name one authority of this lab. Each authority signs its own answers (there is
    /// no delegated responder), and a response carries one signature: a request about certificates of two
    /// authorities (or of one outside the lab) cannot be answered authoritatively in one response (OpenSSL
    /// would not verify it either), so it is refused as a whole rather than answered in part.
    public func respond(to request: [UInt8], now: Date = Date()) -> [UInt8] {
        guard let parsed = try? Self.parse(request), !parsed.ids.isEmpty else { return Self.status(1) }
        if let nonce = parsed.nonce, !(1...Self.maximumNonceLength).contains(Self.nonceValueLength(nonce)) { return Self.status(1) }
        var signer: Authority?
        var answers: [(id: [UInt8], status: Status)] = []
        for id in parsed.ids {
            guard let algorithm = id.algorithm, let authority = authorities.first(where: { $0.nameHash[algorithm] == id.nameHash && $0.keyHash[algorithm] == id.keyHash }),
                  signer == nil || signer?.name == authority.name
            else { return Self.status(6) }
            signer = authority
            answers.append((id.encoded, status(of: id.serial, authority: authority.name)))
        }
        guard let signer, let response = try? Self.sign(answers, by: signer, nonce: parsed.nonce, now: now) else {
            return Self.status(6)
        }
        return response
    }

    /// RFC 8954: a nonce is 1 to 32 octets.
    public static let maximumNonceLength = 32

    /// The length of the nonce in a nonce extension (its DER, as the request carries it): the content of the
    /// OCTET STRING inside extnValue, or (as some old clients send it) of extnValue itself.
    static func nonceValueLength(_ extensionDER: [UInt8]) -> Int {
        guard let parsed = try? Certificate.Extension(derEncoded: extensionDER) else { return 0 }
        let value = Array(parsed.value)
        if let inner = try? ASN1OctetString(derEncoded: value) { return inner.bytes.count }
        return value.count
    }

    /// The status of `serial` (INTEGER content bytes) under `authority`.
    func status(of serial: [UInt8], authority: String) -> Status {
        let hex = serial.map { String(format: "%02x", $0) }.joined()
        if let revoked = ledger.authorities[authority]?.revoked.first(where: { $0.serial == hex }) {
            return .revoked(revoked.revokedAt, revoked.reason)
        }
        return issued[authority]?.contains(hex) == true ? .good : .unknown
    }

    // MARK: Reading requests

    struct CertID {
        var algorithm: String?
        var nameHash: [UInt8]
        var keyHash: [UInt8]
        var serial: [UInt8]
        /// The CertID as sent, to answer with exactly it.
        var encoded: [UInt8]
    }

    static func parse(_ der: [UInt8]) throws -> (ids: [CertID], nonce: [UInt8]?) {
        let root = try DER.parse(der)
        guard case .constructed(let top) = root.content, let tbs = top.first(where: { _ in true }),
              case .constructed(let fields) = tbs.content else { throw ASN1Error.invalidASN1Object(reason: "not an OCSPRequest") }
        var ids: [CertID] = []
        var nonce: [UInt8]?
        for field in fields {
            if field.identifier == .sequence, case .constructed(let requests) = field.content {
                for request in requests {
                    guard case .constructed(let parts) = request.content, let certID = parts.first(where: { _ in true }),
                          case .constructed(let values) = certID.content else { continue }
                    let items = Array(values)
                    guard items.count == 4, case .constructed(let algorithmParts) = items[0].content,
                          let oidNode = algorithmParts.first(where: { _ in true }),
                          case .primitive(let nameHash) = items[1].content, case .primitive(let keyHash) = items[2].content,
                          case .primitive(let serial) = items[3].content else { continue }
                    let oid = try ASN1ObjectIdentifier(derEncoded: oidNode)
                    ids.append(CertID(algorithm: oid == sha1 ? "sha1" : oid == sha256 ? "sha256" : nil, nameHash: Array(nameHash),
                                      keyHash: Array(keyHash), serial: Array(serial), encoded: Array(certID.encodedBytes)))
                }
            } else if field.identifier == ASN1Identifier(tagWithNumber: 2, tagClass: .contextSpecific),
                      case .constructed(let wrapped) = field.content, let list = wrapped.first(where: { _ in true }),
                      case .constructed(let extensions) = list.content {
                for node in extensions where (try? Certificate.Extension(derEncoded: node))?.oid == nonceOID {
                    nonce = Array(node.encodedBytes)
                }
            }
        }
        return (ids, nonce)
    }

    // MARK: Writing responses

    /// An OCSPResponse with only a status (1 malformedRequest, 6 unauthorized).
    static func status(_ code: UInt8) -> [UInt8] {
        [0x30, 0x03, 0x0A, 0x01, code]
    }

    static func sign(_ answers: [(id: [UInt8], status: Status)], by authority: Authority, nonce: [UInt8]?, now: Date) throws -> [UInt8] {
        let certificate = authority.issued.certificate
        guard let key = KeyAlgorithm(certificate.publicKey) else { throw ASN1Error.invalidASN1Object(reason: "key") }
        var data = DER.Serializer()
        try data.appendConstructedNode(identifier: .sequence) { coder in
            // responderID: byKey [2] (the SHA-1 of the authority's public key, i.e. its key identifier)
            try coder.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 2, tagClass: .contextSpecific)) { id in
                try id.serialize(ASN1OctetString(contentBytes: ArraySlice(authority.keyHash["sha1"]!)))
            }
            try coder.serialize(try generalizedTime(now))
            try coder.appendConstructedNode(identifier: .sequence) { list in
                for answer in answers {
                    try list.appendConstructedNode(identifier: .sequence) { single in
                        single.serializeRawBytes(answer.id)
                        switch answer.status {
                        case .good:
                            single.serializeRawBytes([0x80, 0x00])
                        case .unknown:
                            single.serializeRawBytes([0x82, 0x00])
                        case .revoked(let date, let reason):
                            try single.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 1, tagClass: .contextSpecific)) { info in
                                try info.serialize(try generalizedTime(date))
                                if let reason {
                                    info.serializeRawBytes([0xA0, 0x03, 0x0A, 0x01, reason.code])
                                }
                            }
                        }
                        try single.serialize(try generalizedTime(now))
                        try single.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) { next in
                            try next.serialize(try generalizedTime(now.addingTimeInterval(validity)))
                        }
                    }
                }
            }
            if let nonce {
                coder.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 1, tagClass: .contextSpecific)) { wrapped in
                    wrapped.appendConstructedNode(identifier: .sequence) { $0.serializeRawBytes(nonce) }
                }
            }
        }
        let tbs = data.serializedBytes
        let signature = try authority.issued.privateKey.sign(bytes: tbs, signatureAlgorithm: key.signatureAlgorithm).rawRepresentation
        var basic = DER.Serializer()
        try basic.appendConstructedNode(identifier: .sequence) { coder in
            coder.serializeRawBytes(tbs)
            coder.serializeRawBytes(CertificateRevocationList.algorithmIdentifier(key))
            try coder.serialize(ASN1BitString(bytes: signature[...]))
            try coder.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) { certs in
                try certs.appendConstructedNode(identifier: .sequence) { try $0.serialize(certificate) }
            }
        }
        var response = DER.Serializer()
        try response.appendConstructedNode(identifier: .sequence) { coder in
            coder.serializeRawBytes([0x0A, 0x01, 0x00])  // successful
            try coder.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) { explicit in
                try explicit.appendConstructedNode(identifier: .sequence) { bytes in
                    try bytes.serialize([1, 3, 6, 1, 5, 5, 7, 48, 1, 1] as ASN1ObjectIdentifier)  // id-pkix-ocsp-basic
                    try bytes.serialize(ASN1OctetString(contentBytes: ArraySlice(basic.serializedBytes)))
                }
            }
        }
        return response.serializedBytes
    }

    static func generalizedTime(_ date: Date) throws -> GeneralizedTime {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return try GeneralizedTime(year: c.year!, month: c.month!, day: c.day!, hours: c.hour!, minutes: c.minute!, seconds: c.second!, fractionalSeconds: 0)
    }
}
