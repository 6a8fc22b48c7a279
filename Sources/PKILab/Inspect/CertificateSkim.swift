import Crypto
import Foundation
import SwiftASN1
import X509

/// What can be read from a certificate that swift-certificates refuses to load (an RSA key under 2048 bits):
/// its subject, issuer, serial, validity, fingerprint and key size, straight from the DER.
public struct CertificateSkim: Sendable, Hashable {
    public var subject: DistinguishedName
    public var issuer: DistinguishedName
    /// The serial as lower-case hex, as ``X509/Certificate/SerialNumber/hexString`` gives it.
    public var serial: String
    public var notBefore: Date?
    public var notAfter: Date?
    /// SHA-256 of the DER, lower-case hex.
    public var fingerprintSHA256: String
    /// The RSA modulus size in bits; nil for other key types.
    public var rsaBits: Int?

    public init(derEncoded der: [UInt8]) throws {
        let root = try DER.parse(der)
        guard case .constructed(let top) = root.content, let tbs = top.first(where: { _ in true }),
              case .constructed(let fieldNodes) = tbs.content else { throw ASN1Error.invalidASN1Object(reason: "not a certificate") }
        var fields = Array(fieldNodes)[...]
        if fields.first?.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) { fields = fields.dropFirst() }
        let values = Array(fields)
        guard values.count >= 6 else { throw ASN1Error.invalidASN1Object(reason: "too few fields") }
        // serial, signature, issuer, validity, subject, subjectPublicKeyInfo
        issuer = try DistinguishedName(derEncoded: values[2])
        subject = try DistinguishedName(derEncoded: values[4])
        if case .primitive(let bytes) = values[0].content { serial = Array(bytes).lowercaseHex } else { serial = "" }
        fingerprintSHA256 = SHA256.hash(data: der).lowercaseHex
        if case .constructed(let times) = values[3].content {
            let dates = Array(times).map(Self.date)
            notBefore = dates.first ?? nil
            notAfter = dates.count > 1 ? dates[1] : nil
        }
        rsaBits = nil
        guard case .constructed(let spki) = values[5].content else { return }
        let parts = Array(spki)
        guard parts.count == 2, case .constructed(let algorithm) = parts[0].content,
              let oid = algorithm.first(where: { _ in true }), (try? ASN1ObjectIdentifier(derEncoded: oid)) == [1, 2, 840, 113549, 1, 1, 1]
        else { return }
        let key = try ASN1BitString(derEncoded: parts[1])
        let rsa = try DER.parse(Array(key.bytes))
        guard case .constructed(let numbers) = rsa.content, let modulus = numbers.first(where: { _ in true }),
              case .primitive(let bytes) = modulus.content else { return }
        let significant = bytes.drop { $0 == 0 }
        rsaBits = significant.first.map { (significant.count - 1) * 8 + (8 - $0.leadingZeroBitCount) } ?? 0
    }

    /// A UTCTime or GeneralizedTime of a certificate's validity, as a date.
    private static func date(_ node: ASN1Node) -> Date? {
        var parts = DateComponents()
        parts.timeZone = TimeZone(identifier: "UTC")
        if let time = try? UTCTime(derEncoded: node) {
            (parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second) = (time.year, time.month, time.day, time.hours, time.minutes, time.seconds)
        } else if let time = try? GeneralizedTime(derEncoded: node) {
            (parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second) = (time.year, time.month, time.day, time.hours, time.minutes, time.seconds)
        } else {
            return nil
        }
        return Calendar(identifier: .gregorian).date(from: parts)
    }
}
