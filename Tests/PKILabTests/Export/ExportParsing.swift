import Foundation
import PKILab
import SwiftASN1
import X509

/// Readers the export tests use to take the exports apart again without pkilab's own code: C arrays and string
/// literals out of generated C text, and the parts of a certificate's DER.
enum ExportParsing {
    /// The bytes of the C array `name` (`static const uint8_t name[] … = { 0x30, … };`), or nil when there is none.
    static func array(_ name: String, in text: String) -> [UInt8]? {
        guard let start = text.range(of: " \(name)[] ") else { return nil }
        guard let open = text.range(of: "{", range: start.upperBound..<text.endIndex),
              let close = text.range(of: "};", range: open.upperBound..<text.endIndex) else { return nil }
        let tokens = text[open.upperBound..<close.lowerBound].split(whereSeparator: { $0 == "," || $0.isWhitespace })
        var bytes: [UInt8] = []
        for token in tokens {
            guard token.hasPrefix("0x"), token.count == 4, let byte = UInt8(token.dropFirst(2), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }

    /// The value of `static const size_t name_len … = N;`.
    static func length(_ name: String, in text: String) -> Int? {
        guard let start = text.range(of: "static const size_t \(name)_len LAB_UNUSED = "),
              let end = text.range(of: ";", range: start.upperBound..<text.endIndex) else { return nil }
        return Int(text[start.upperBound..<end.lowerBound])
    }

    /// The string the C literal `static const char name[] … = "…\n" "…\n";` holds (the `\n` escapes turned into
    /// line breaks), or nil.
    static func string(_ name: String, in text: String) -> String? {
        guard let start = text.range(of: "static const char \(name)[] "),
              let equals = text.range(of: "=\n", range: start.upperBound..<text.endIndex),
              let end = text.range(of: ";\n", range: equals.upperBound..<text.endIndex) else { return nil }
        var value = ""
        for line in text[equals.upperBound..<end.lowerBound].split(separator: "\n") {
            let literal = line.trimmingCharacters(in: .whitespaces)
            guard literal.hasPrefix("\""), literal.hasSuffix("\""), literal.count >= 2 else { return nil }
            let inner = literal.dropFirst().dropLast()
            guard !inner.contains("\""), !inner.replacingOccurrences(of: "\\n", with: "").contains("\\") else { return nil }
            value += inner.replacingOccurrences(of: "\\n", with: "\n")
        }
        return value
    }

    /// The DER bytes of the PEM blocks in `pem`, in order.
    static func derBlocks(_ pem: String) -> [[UInt8]] {
        var blocks: [[UInt8]] = []
        var base64: String?
        for line in pem.split(separator: "\n") {
            if line.hasPrefix("-----BEGIN ") { base64 = "" } else if line.hasPrefix("-----END ") {
                if let text = base64, let data = Data(base64Encoded: text) { blocks.append(Array(data)) }
                base64 = nil
            } else if base64 != nil { base64! += line }
        }
        return blocks
    }

    /// A certificate's subject Name and SubjectPublicKeyInfo, exactly as they stand in its DER (found by walking
    /// `Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version, serial, signature, issuer, validity,
    /// subject, subjectPublicKeyInfo, … } … }`).
    static func subjectAndKey(ofCertificate der: [UInt8]) throws -> (subject: [UInt8], spki: [UInt8]) {
        let certificate = try DER.parse(der)
        guard case .constructed(let parts) = certificate.content, let tbs = parts.first(where: { _ in true }),
              case .constructed(let fields) = tbs.content else { throw Malformed() }
        var nodes = Array(fields)
        if nodes.first?.identifier.tagClass == .contextSpecific { nodes.removeFirst() }
        guard nodes.count >= 6 else { throw Malformed() }
        return (Array(nodes[4].encodedBytes), Array(nodes[5].encodedBytes))
    }

    /// The public key bits of a SubjectPublicKeyInfo (the BIT STRING's bytes).
    static func publicKeyBits(ofSPKI spki: [UInt8]) throws -> [UInt8] {
        let node = try DER.parse(spki)
        guard case .constructed(let parts) = node.content else { throw Malformed() }
        let children = Array(parts)
        guard children.count == 2 else { throw Malformed() }
        return Array(try ASN1BitString(derEncoded: children[1]).bytes)
    }

    struct Malformed: Error {}
}

extension Certificate {
    /// This certificate's DER, for the tests.
    var der: [UInt8] { (try? derBytes) ?? [] }
}
