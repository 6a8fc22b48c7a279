import Foundation
import SwiftASN1
import X509

/// A version 2 certificate revocation list (RFC 5280 §5), as pkilab signs and reads it: the issuer, this and
/// next update, the CRL number, and each revoked serial with its date and reason.
///
/// swift-certificates has no CRL type, so the structure is written and read here with SwiftASN1.
public struct CertificateRevocationList: Sendable, Hashable {
    /// One revoked certificate.
    public struct Entry: Sendable, Hashable, Codable {
        /// The serial number's INTEGER content bytes, as in the certificate.
        public var serial: [UInt8]
        public var revokedAt: Date
        public var reason: RevocationReason?

        public init(serial: [UInt8], revokedAt: Date, reason: RevocationReason?) {
            self.serial = serial
            self.revokedAt = revokedAt
            self.reason = reason
        }
    }

    public var issuer: DistinguishedName
    public var thisUpdate: Date
    public var nextUpdate: Date?
    public var number: Int?
    public var entries: [Entry]
    /// The whole CRL, DER.
    public var derBytes: [UInt8]
    /// The signed part (tbsCertList), DER.
    public var tbsBytes: [UInt8]
    public var signatureBytes: [UInt8]

    /// The CRL as PEM (`-----BEGIN X509 CRL-----`), with a final newline.
    public var pemString: String { PEMDocument(type: "X509 CRL", derBytes: derBytes).pemString + "\n" }

    /// Whether `serial` (INTEGER content bytes) is listed.
    public func entry(forSerial serial: some Collection<UInt8>) -> Entry? {
        entries.first { $0.serial.elementsEqual(serial) }
    }

    /// Whether `authority`'s key signed this list and its subject is the list's issuer.
    public func isSigned(by authority: Certificate) -> Bool {
        guard authority.subject == issuer, let algorithm = KeyAlgorithm(authority.publicKey)?.signatureAlgorithm else { return false }
        return authority.publicKey.isValidSignature(signatureBytes, for: tbsBytes, signatureAlgorithm: algorithm)
    }

    // MARK: Signing

    /// Signs a list for `authority` with its key.
    public static func make(authority: IssuedCertificate, number: Int, thisUpdate: Date, nextUpdate: Date, entries: [Entry]) throws -> CertificateRevocationList {
        guard let key = KeyAlgorithm(authority.certificate.publicKey) else {
            throw StoreError(.cannotWrite, "pkilab cannot sign a CRL with the key of \"\(authority.certificate.subject)\"")
        }
        let algorithm = algorithmIdentifier(key)
        var tbs = DER.Serializer()
        try tbs.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(1)  // v2
            coder.serializeRawBytes(algorithm)
            try coder.serialize(authority.certificate.subject)
            try serializeTime(thisUpdate, into: &coder)
            try serializeTime(nextUpdate, into: &coder)
            if !entries.isEmpty {
                try coder.appendConstructedNode(identifier: .sequence) { list in
                    for entry in entries.sorted(by: { $0.revokedAt < $1.revokedAt }) {
                        try list.appendConstructedNode(identifier: .sequence) { item in
                            item.appendPrimitiveNode(identifier: .integer) { $0.append(contentsOf: entry.serial) }
                            try serializeTime(entry.revokedAt, into: &item)
                            // RFC 5280 §5.3.1: the reasonCode is left out rather than given as unspecified.
                            if let reason = entry.reason, reason != .unspecified {
                                try item.appendConstructedNode(identifier: .sequence) { extensions in
                                    try extensions.serialize(Certificate.Extension(oid: [2, 5, 29, 21], critical: false, value: [0x0A, 0x01, reason.code]))
                                }
                            }
                        }
                    }
                }
            }
            try coder.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) { explicit in
                try explicit.appendConstructedNode(identifier: .sequence) { extensions in
                    try extensions.serialize(try AuthorityKeyIdentifier(keyIdentifier: authority.certificate.keyIdentifier).makeCertificateExtension())
                    var integer = DER.Serializer()
                    try integer.serialize(number)
                    try extensions.serialize(Certificate.Extension(oid: [2, 5, 29, 20], critical: false, value: integer.serializedBytes[...]))
                }
            }
        }
        let tbsBytes = tbs.serializedBytes
        let signature = try authority.privateKey.sign(bytes: tbsBytes, signatureAlgorithm: key.signatureAlgorithm).rawRepresentation
        var whole = DER.Serializer()
        try whole.appendConstructedNode(identifier: .sequence) { coder in
            coder.serializeRawBytes(tbsBytes)
            coder.serializeRawBytes(algorithm)
            try coder.serialize(ASN1BitString(bytes: signature[...]))
        }
        return try CertificateRevocationList(derEncoded: whole.serializedBytes)
    }

    /// AlgorithmIdentifier DER for the signature each key type makes (swift-certificates keeps its type internal).
    static func algorithmIdentifier(_ key: KeyAlgorithm) -> [UInt8] {
        switch key {
        case .ecP256: [0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02]
        case .ecP384: [0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x03]
        case .rsa2048, .rsa3072, .rsa4096: [0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B, 0x05, 0x00]
        case .ed25519: [0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70]
        }
    }

    /// UTCTime through 2049, GeneralizedTime after (RFC 5280 §5.1.2.4).
    static func serializeTime(_ date: Date, into coder: inout DER.Serializer) throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        if (1950...2049).contains(c.year!) {
            try coder.serialize(try UTCTime(year: c.year!, month: c.month!, day: c.day!, hours: c.hour!, minutes: c.minute!, seconds: c.second!))
        } else {
            try coder.serialize(try GeneralizedTime(year: c.year!, month: c.month!, day: c.day!, hours: c.hour!, minutes: c.minute!,
                                                    seconds: c.second!, fractionalSeconds: 0))
        }
    }

    // MARK: Reading

    /// Parses a DER CRL (any issuer's, not only pkilab's).
    public init(derEncoded der: [UInt8]) throws {
        derBytes = der
        let root = try DER.parse(der)
        guard case .constructed(let top) = root.content else { throw Self.malformed("not a SEQUENCE") }
        var parts = top.makeIterator()
        guard let tbs = parts.next(), let _ = parts.next(), let signature = parts.next() else { throw Self.malformed("missing parts") }
        tbsBytes = Array(tbs.encodedBytes)
        signatureBytes = Array(try ASN1BitString(derEncoded: signature).bytes)
        guard case .constructed(let fields) = tbs.content else { throw Self.malformed("tbsCertList is not a SEQUENCE") }
        var nodes = Array(fields)[...]
        if nodes.first?.identifier == .integer { nodes = nodes.dropFirst() }
        nodes = nodes.dropFirst()  // signature AlgorithmIdentifier
        guard let issuerNode = nodes.popFirst(), let thisNode = nodes.popFirst() else { throw Self.malformed("no issuer or thisUpdate") }
        issuer = try DistinguishedName(derEncoded: issuerNode)
        thisUpdate = try Self.date(thisNode)
        nextUpdate = nil
        if let next = nodes.first, [ASN1Identifier.utcTime, .generalizedTime].contains(next.identifier) {
            nextUpdate = try Self.date(next)
            nodes = nodes.dropFirst()
        }
        entries = []
        if let list = nodes.first, list.identifier == .sequence, case .constructed(let items) = list.content {
            nodes = nodes.dropFirst()
            for item in items {
                guard case .constructed(let values) = item.content else { continue }
                let array = Array(values)
                guard array.count >= 2, case .primitive(let serial) = array[0].content else { continue }
                var reason: RevocationReason?
                if array.count > 2, case .constructed(let extensions) = array[2].content {
                    for node in extensions {
                        let ext = try Certificate.Extension(derEncoded: node)
                        if ext.oid == [2, 5, 29, 21], ext.value.count == 3 { reason = RevocationReason(code: ext.value[ext.value.startIndex + 2]) }
                    }
                }
                entries.append(Entry(serial: Array(serial), revokedAt: try Self.date(array[1]), reason: reason))
            }
        }
        number = nil
        if let tagged = nodes.first, tagged.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific),
           case .constructed(let inner) = tagged.content, let sequence = inner.first(where: { _ in true }),
           case .constructed(let extensions) = sequence.content {
            for node in extensions {
                let ext = try Certificate.Extension(derEncoded: node)
                if ext.oid == [2, 5, 29, 20] { number = try? Int(derEncoded: try DER.parse(Array(ext.value))) }
            }
        }
    }

    private static func date(_ node: ASN1Node) throws -> Date {
        var components = DateComponents()
        components.timeZone = TimeZone(identifier: "UTC")
        if node.identifier == .utcTime {
            let time = try UTCTime(derEncoded: node)
            (components.year, components.month, components.day) = (time.year, time.month, time.day)
            (components.hour, components.minute, components.second) = (time.hours, time.minutes, time.seconds)
        } else {
            let time = try GeneralizedTime(derEncoded: node)
            (components.year, components.month, components.day) = (time.year, time.month, time.day)
            (components.hour, components.minute, components.second) = (time.hours, time.minutes, time.seconds)
        }
        guard let date = Calendar(identifier: .gregorian).date(from: components) else { throw malformed("a date out of range") }
        return date
    }

    private static func malformed(_ what: String) -> StoreError {
        StoreError(.cannotRead, "the CRL is malformed: \(what)")
    }
}
