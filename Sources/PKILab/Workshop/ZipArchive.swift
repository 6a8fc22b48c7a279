import Foundation

/// A ZIP file (PKWARE APPNOTE 6.3.x) written whole in memory: every entry *stored* (method 0, no compression),
/// with its CRC-32, an MS-DOS date and time, and its Unix mode in the external attributes (made by "Unix"), so
/// `unzip` and Python's `zipfile` restore `0600` on a key. No ZIP64: the archive and each entry stay under 4 GiB
/// and 65,535 entries, far above what a workshop kit holds.
///
/// The bytes depend only on the entries (no clock is read), so the same entries give the same archive: a kit
/// made again from unchanged files is byte for byte the same file.
public struct ZipArchive: Sendable, Hashable {
    /// One file of the archive.
    public struct Entry: Sendable, Hashable {
        /// The path inside the archive, `/`-separated (`attendee-0001/ca.pem`).
        public var name: String
        public var bytes: [UInt8]
        /// The Unix permission bits (`0o600`, `0o644`).
        public var mode: mode_t
        /// The modification time written in MS-DOS form (two-second resolution, 1980–2107, read as local time by
        /// most tools; pkilab writes the UTC fields).
        public var modified: Date

        public init(name: String, bytes: [UInt8], mode: mode_t = 0o644, modified: Date) {
            self.name = name
            self.bytes = bytes
            self.mode = mode
            self.modified = modified
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry] = []) {
        self.entries = entries
    }

    /// The archive: a local header and the data of each entry, then the central directory and its end record.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for entry in entries {
            let name = Array(entry.name.utf8)
            let crc = Self.crc32(entry.bytes)
            let (time, date) = Self.dosTimeAndDate(entry.modified)
            let offset = UInt32(truncatingIfNeeded: out.count)
            let size = UInt32(truncatingIfNeeded: entry.bytes.count)
            // Bit 11: the name is UTF-8.
            let flags: UInt16 = name.allSatisfy { $0 < 0x80 } ? 0 : 0x0800
            out.append(le: UInt32(0x0403_4B50))
            out.append(le: UInt16(10))  // version needed: 1.0 (stored)
            out.append(le: flags)
            out.append(le: UInt16(0))  // method: stored
            out.append(le: time)
            out.append(le: date)
            out.append(le: crc)
            out.append(le: size)  // compressed
            out.append(le: size)  // uncompressed
            out.append(le: UInt16(truncatingIfNeeded: name.count))
            out.append(le: UInt16(0))  // extra field length
            out += name
            out += entry.bytes

            central.append(le: UInt32(0x0201_4B50))
            central.append(le: UInt16(0x0314))  // made by: Unix (3), spec 2.0
            central.append(le: UInt16(10))
            central.append(le: flags)
            central.append(le: UInt16(0))
            central.append(le: time)
            central.append(le: date)
            central.append(le: crc)
            central.append(le: size)
            central.append(le: size)
            central.append(le: UInt16(truncatingIfNeeded: name.count))
            central.append(le: UInt16(0))  // extra
            central.append(le: UInt16(0))  // comment
            central.append(le: UInt16(0))  // disk number
            central.append(le: UInt16(0))  // internal attributes
            central.append(le: (UInt32(S_IFREG) | UInt32(entry.mode & 0o7777)) << 16)  // external: Unix mode, high half
            central.append(le: offset)
            central += name
        }
        let directoryOffset = UInt32(truncatingIfNeeded: out.count)
        out += central
        out.append(le: UInt32(0x0605_4B50))
        out.append(le: UInt16(0))  // this disk
        out.append(le: UInt16(0))  // disk with the directory
        out.append(le: UInt16(truncatingIfNeeded: entries.count))
        out.append(le: UInt16(truncatingIfNeeded: entries.count))
        out.append(le: UInt32(truncatingIfNeeded: central.count))
        out.append(le: directoryOffset)
        out.append(le: UInt16(0))  // comment length
        return out
    }

    /// CRC-32 as ZIP, gzip and PNG use it (IEEE 802.3, reflected polynomial `0xEDB88320`, initial and final value
    /// `0xFFFFFFFF`): `crc32("123456789") == 0xCBF43926`.
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }

    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    /// `date`'s UTC fields in MS-DOS form: time = hour << 11 | minute << 5 | second / 2, date = (year - 1980) << 9 |
    /// month << 5 | day; clamped to 1 January 1980 … 31 December 2107.
    static func dosTimeAndDate(_ date: Date) -> (time: UInt16, date: UInt16) {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var fields = tm()
        gmtime_r(&seconds, &fields)
        let year = Int(fields.tm_year) + 1900
        if year < 1980 { return (0, UInt16(1 << 5 | 1)) }
        if year > 2107 { return (UInt16(23 << 11 | 59 << 5 | 29), UInt16(127 << 9 | 12 << 5 | 31)) }
        let time = UInt16(Int(fields.tm_hour) << 11 | Int(fields.tm_min) << 5 | Int(fields.tm_sec) / 2)
        let day = UInt16((year - 1980) << 9 | Int(fields.tm_mon + 1) << 5 | Int(fields.tm_mday))
        return (time, day)
    }
}

private extension [UInt8] {
    /// Appends `value` little-endian, as every ZIP field is.
    mutating func append<T: FixedWidthInteger>(le value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
