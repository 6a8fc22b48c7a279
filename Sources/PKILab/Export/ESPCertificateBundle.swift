import SwiftASN1
import X509

/// The x509 certificate bundle ESP-IDF's `esp_crt_bundle` reads: for each trusted certificate only its subject
/// Name and SubjectPublicKeyInfo, sorted by the subject's DER bytes (the reader does a binary search with memcmp).
public enum ESPCertificateBundle {
    public enum Layout: String, Sendable, CaseIterable {
        /// ESP-IDF v4.2 … v5.3: `u16 BE count`, then per certificate `u16 BE name_len, u16 BE key_len, name, key`.
        case legacy
        /// ESP-IDF v5.4 and later: `count × u32 LE offset`, then per certificate `u16 LE name_len, u16 LE key_len, name, key`.
        case offsets

        /// The layout an ESP-IDF version uses ("4.4", "5.3.2", "5.4", "6.0"); nil when it cannot be read.
        public init?(idfVersion: String) {
            let parts = idfVersion.trimmingPrefix("v").split(separator: ".").compactMap { Int($0) }
            guard let major = parts.first else { return nil }
            let minor = parts.count > 1 ? parts[1] : 0
            self = (major, minor) >= (5, 4) ? .offsets : .legacy
        }
    }

    public struct Record: Sendable, Hashable {
        public var name: [UInt8]
        public var key: [UInt8]
    }

    public static func records(_ certificates: [Certificate]) throws -> [Record] {
        try certificates.map { certificate in
            var name = DER.Serializer()
            try name.serialize(certificate.subject)
            var key = DER.Serializer()
            try key.serialize(certificate.publicKey)
            return Record(name: name.serializedBytes, key: key.serializedBytes)
        }.sorted { $0.name.lexicographicallyPrecedes($1.name) }
    }

    public static func encode(_ certificates: [Certificate], layout: Layout) throws -> [UInt8] {
        let records = try records(certificates)
        var out: [UInt8] = []
        func u16(_ value: Int, bigEndian: Bool) {
            let bytes = [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
            out += bigEndian ? bytes : bytes.reversed()
        }
        switch layout {
        case .legacy:
            u16(records.count, bigEndian: true)
            for record in records {
                u16(record.name.count, bigEndian: true)
                u16(record.key.count, bigEndian: true)
                out += record.name + record.key
            }
        case .offsets:
            var offset = 4 * records.count
            for record in records {
                out += (0..<4).map { UInt8(offset >> ($0 * 8) & 0xFF) }
                offset += 4 + record.name.count + record.key.count
            }
            for record in records {
                u16(record.name.count, bigEndian: false)
                u16(record.key.count, bigEndian: false)
                out += record.name + record.key
            }
        }
        return out
    }

    /// Reads a bundle back, checking it as `esp_crt_bundle.c` does (counts, offsets, bounds, order).
    public static func decode(_ bytes: [UInt8], layout: Layout) -> [Record]? {
        func u16(_ at: Int, bigEndian: Bool) -> Int? {
            guard at + 2 <= bytes.count else { return nil }
            return bigEndian ? Int(bytes[at]) << 8 | Int(bytes[at + 1]) : Int(bytes[at + 1]) << 8 | Int(bytes[at])
        }
        var records: [Record] = []
        switch layout {
        case .legacy:
            guard let count = u16(0, bigEndian: true) else { return nil }
            var at = 2
            for _ in 0..<count {
                guard let nameLength = u16(at, bigEndian: true), let keyLength = u16(at + 2, bigEndian: true),
                      at + 4 + nameLength + keyLength <= bytes.count else { return nil }
                records.append(Record(name: Array(bytes[at + 4 ..< at + 4 + nameLength]),
                                      key: Array(bytes[at + 4 + nameLength ..< at + 4 + nameLength + keyLength])))
                at += 4 + nameLength + keyLength
            }
            guard at == bytes.count else { return nil }
        case .offsets:
            guard bytes.count >= 4 else { return nil }
            let first = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16 | Int(bytes[3]) << 24
            guard first % 4 == 0, first > 0, first <= bytes.count else { return nil }
            let count = first / 4
            var expected = first
            for index in 0..<count {
                let base = index * 4
                let offset = Int(bytes[base]) | Int(bytes[base + 1]) << 8 | Int(bytes[base + 2]) << 16 | Int(bytes[base + 3]) << 24
                guard offset == expected, let nameLength = u16(offset, bigEndian: false), let keyLength = u16(offset + 2, bigEndian: false),
                      offset + 4 + nameLength + keyLength <= bytes.count else { return nil }
                records.append(Record(name: Array(bytes[offset + 4 ..< offset + 4 + nameLength]),
                                      key: Array(bytes[offset + 4 + nameLength ..< offset + 4 + nameLength + keyLength])))
                expected = offset + 4 + nameLength + keyLength
            }
            guard expected == bytes.count else { return nil }
        }
        let sorted = zip(records, records.dropFirst()).allSatisfy { $0.name.lexicographicallyPrecedes($1.name) }
        return sorted ? records : nil
    }
}
