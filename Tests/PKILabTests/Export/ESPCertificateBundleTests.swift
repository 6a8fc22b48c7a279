import Foundation
import Testing
import X509
@testable import PKILab

/// A reader written from the layouts ESP-IDF documents (components/mbedtls/esp_crt_bundle), not from pkilab's
/// decoder: legacy is `u16 BE count`, then per certificate `u16 BE name_len, u16 BE key_len, name, key`; offsets is
/// `count × u32 LE offset`, then per certificate `u16 LE name_len, u16 LE key_len, name, key`.
private func readBundle(_ bytes: [UInt8], layout: ESPCertificateBundle.Layout) -> [(name: [UInt8], key: [UInt8])]? {
    var records: [(name: [UInt8], key: [UInt8])] = []
    func record(at: Int, bigEndian: Bool) -> (record: (name: [UInt8], key: [UInt8]), end: Int)? {
        guard at + 4 <= bytes.count else { return nil }
        let n = bigEndian ? Int(bytes[at]) * 256 + Int(bytes[at + 1]) : Int(bytes[at + 1]) * 256 + Int(bytes[at])
        let k = bigEndian ? Int(bytes[at + 2]) * 256 + Int(bytes[at + 3]) : Int(bytes[at + 3]) * 256 + Int(bytes[at + 2])
        guard at + 4 + n + k <= bytes.count else { return nil }
        return ((Array(bytes[at + 4 ..< at + 4 + n]), Array(bytes[at + 4 + n ..< at + 4 + n + k])), at + 4 + n + k)
    }
    switch layout {
    case .legacy:
        guard bytes.count >= 2 else { return nil }
        var at = 2
        for _ in 0..<(Int(bytes[0]) * 256 + Int(bytes[1])) {
            guard let (found, end) = record(at: at, bigEndian: true) else { return nil }
            records.append(found)
            at = end
        }
        return at == bytes.count ? records : nil
    case .offsets:
        guard bytes.count >= 4 else { return nil }
        func u32(_ at: Int) -> Int { (0..<4).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
        let count = u32(0) / 4
        guard count > 0, 4 * count <= bytes.count else { return nil }
        var end = 4 * count
        for index in 0..<count {
            guard u32(4 * index) == end, let (found, next) = record(at: u32(4 * index), bigEndian: false) else { return nil }
            records.append(found)
            end = next
        }
        return end == bytes.count ? records : nil
    }
}

@Suite("The ESP-IDF x509 certificate bundle: both layouts, parsed back by the documented format")
struct ESPCertificateBundleTests {
    /// The root, the issuing authority and the server of a fresh lab.
    static func certificates() async throws -> [Certificate] {
        try await TestLab.withStore { _, store, _ in
            try [store.directory.rootBundle, store.directory.folder(forAuthority: "issuing") + "/cert.pem",
                 store.directory.folder(forCertificate: "server") + "/cert.pem"].map {
                try Certificate(pemEncoded: try String(contentsOfFile: $0, encoding: .utf8))
            }
        }
    }

    @Test("each record is a certificate's subject DER and SubjectPublicKeyInfo DER, sorted by subject bytes", arguments: ESPCertificateBundle.Layout.allCases)
    func layout(layout: ESPCertificateBundle.Layout) async throws {
        let certificates = try await Self.certificates()
        let bytes = try ESPCertificateBundle.encode(certificates, layout: layout)
        let records = try #require(readBundle(bytes, layout: layout), "the documented reader takes it")
        let expected = try certificates.map { try ExportParsing.subjectAndKey(ofCertificate: $0.der) }
            .sorted { $0.subject.lexicographicallyPrecedes($1.subject) }
        #expect(records.count == 3)
        #expect(records.map(\.name) == expected.map(\.subject))
        #expect(records.map(\.key) == expected.map(\.spki))
        // Read with the other layout, the bytes make no sense.
        #expect(readBundle(bytes, layout: layout == .legacy ? .offsets : .legacy) == nil)
        // And pkilab's own decoder agrees with the documented reader.
        let decoded = try #require(ESPCertificateBundle.decode(bytes, layout: layout))
        #expect(decoded.map(\.name) == records.map(\.name) && decoded.map(\.key) == records.map(\.key))
    }

    @Test("the headers, byte by byte: legacy starts 00 01 and big-endian lengths; offsets starts 04 00 00 00 and little-endian lengths")
    func headers() async throws {
        let root = try #require(try await Self.certificates().first)
        let (subject, spki) = try ExportParsing.subjectAndKey(ofCertificate: root.der)
        let legacy = try ESPCertificateBundle.encode([root], layout: .legacy)
        #expect(legacy == [0x00, 0x01, UInt8(subject.count >> 8), UInt8(subject.count & 0xFF), UInt8(spki.count >> 8), UInt8(spki.count & 0xFF)] + subject + spki)
        let offsets = try ESPCertificateBundle.encode([root], layout: .offsets)
        #expect(offsets == [0x04, 0x00, 0x00, 0x00, UInt8(subject.count & 0xFF), UInt8(subject.count >> 8), UInt8(spki.count & 0xFF), UInt8(spki.count >> 8)]
                + subject + spki)
        #expect(try ESPCertificateBundle.encode([], layout: .legacy) == [0, 0])
    }

    @Test("decode refuses what esp_crt_bundle.c would: a short or long file, an unsorted one, a wrong offset", arguments: ESPCertificateBundle.Layout.allCases)
    func refused(layout: ESPCertificateBundle.Layout) async throws {
        let certificates = try await Self.certificates()
        let bytes = try ESPCertificateBundle.encode(certificates, layout: layout)
        #expect(ESPCertificateBundle.decode(Array(bytes.dropLast()), layout: layout) == nil, "truncated")
        #expect(ESPCertificateBundle.decode(bytes + [0], layout: layout) == nil, "a trailing byte")
        #expect(ESPCertificateBundle.decode([], layout: layout) == nil, "empty")
        let records = ESPCertificateBundle.decode(bytes, layout: layout) ?? []
        // The same records in reverse order, written by hand in the legacy layout: not sorted, so refused.
        if layout == .legacy {
            var reversed: [UInt8] = [0, UInt8(records.count)]
            for record in records.reversed() {
                reversed += [UInt8(record.name.count >> 8), UInt8(record.name.count & 0xFF), UInt8(record.key.count >> 8), UInt8(record.key.count & 0xFF)]
                reversed += record.name + record.key
            }
            #expect(readBundle(reversed, layout: .legacy)?.count == 3, "well-formed")
            #expect(ESPCertificateBundle.decode(reversed, layout: .legacy) == nil, "but not sorted")
        } else {
            var shifted = bytes
            shifted[4] &+= 1
            #expect(ESPCertificateBundle.decode(shifted, layout: .offsets) == nil, "the second offset does not follow the first record")
        }
    }

    @Test("the layout an ESP-IDF version reads", arguments: [
        ("4.2", ESPCertificateBundle.Layout?.some(.legacy)), ("4.4", .legacy), ("5.3.2", .legacy), ("v5.3", .legacy), ("5", .legacy),
        ("5.4", .offsets), ("v5.4.1", .offsets), ("6.0", .offsets), ("10", .offsets), ("latest", nil), ("", nil),
    ])
    func idfVersion(version: String, expected: ESPCertificateBundle.Layout?) {
        #expect(ESPCertificateBundle.Layout(idfVersion: version) == expected)
    }
}
