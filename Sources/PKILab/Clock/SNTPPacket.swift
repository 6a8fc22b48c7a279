import Foundation

/// SNTP (RFC 4330) as a lab server answers it: a client request in, a 48-byte server reply out.
///
/// The reply is what the lwIP SNTP client of ESP-IDF and the ESP8266 core accepts: mode 4 (server), the
/// client's version, a non-zero stratum, and the client's transmit timestamp echoed as the originate timestamp
/// (`SNTP_CHECK_RESPONSE` ≥ 2).
public enum SNTPPacket {
    /// A client's request, as far as the answer needs it.
    public struct Request: Sendable, Hashable {
        public var version: UInt8
        public var poll: UInt8
        /// The client's transmit timestamp (bytes 40–47), echoed back as the originate timestamp.
        public var transmit: [UInt8]
    }

    /// The stratum pkilab announces: a primary server (1) with reference "LOCL", the machine's own clock.
    public static let stratum: UInt8 = 1

    /// Seconds from the NTP epoch (1900-01-01) to the Unix epoch.
    static let unixToNTP: Double = 2_208_988_800

    /// The request in `bytes`, or nil when it is not an SNTP client request (shorter than 48 bytes, or a mode
    /// other than 3), which a server must not answer.
    public static func request(_ bytes: some Collection<UInt8>) -> Request? {
        let bytes = Array(bytes)
        guard bytes.count >= 48 else { return nil }
        let mode = bytes[0] & 0x07
        let version = (bytes[0] >> 3) & 0x07
        guard mode == 3, (1...4).contains(version) else { return nil }
        return Request(version: version, poll: bytes[2], transmit: Array(bytes[40..<48]))
    }

    /// The 48-byte reply to `request`, received at `received` and sent at `sent` (both already shifted by any
    /// time offset).
    public static func reply(to request: Request, received: Date, sent: Date) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 48)
        bytes[0] = (0 << 6) | (request.version << 3) | 4  // LI 0 (no warning), the client's version, mode 4
        bytes[1] = stratum
        bytes[2] = max(4, min(request.poll, 17))
        bytes[3] = UInt8(bitPattern: -20)  // precision: about a microsecond
        // Root delay 0; root dispersion 1/65536 s.
        bytes[8..<12] = [0, 0, 0, 1]
        bytes[12..<16] = Array("LOCL".utf8)[...]
        bytes[16..<24] = timestamp(sent.addingTimeInterval(-1))[...]
        bytes[24..<32] = request.transmit[...]
        bytes[32..<40] = timestamp(received)[...]
        bytes[40..<48] = timestamp(sent)[...]
        return bytes
    }

    /// A 64-bit NTP timestamp: seconds since 1900 modulo 2^32 (so dates after 2036 fall in era 1, as RFC 4330
    /// §3 and lwIP expect) and a 32-bit fraction.
    public static func timestamp(_ date: Date) -> [UInt8] {
        let value = date.timeIntervalSince1970 + unixToNTP
        let seconds = UInt32(truncatingIfNeeded: Int64(value.rounded(.down)))
        let fraction = UInt32(min((value - value.rounded(.down)) * 4_294_967_296, 4_294_967_295))
        return [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: seconds >> $0) } + [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: fraction >> $0) }
    }

    /// The date of an NTP timestamp, taking era 1 for seconds values below 2^31 (after 2036-02-07).
    public static func date(_ timestamp: some Collection<UInt8>) -> Date {
        let bytes = Array(timestamp)
        let seconds = bytes[0..<4].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let fraction = bytes[4..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let era: UInt64 = seconds < 0x8000_0000 ? 1 << 32 : 0
        return Date(timeIntervalSince1970: Double(seconds + era) - unixToNTP + Double(fraction) / 4_294_967_296)
    }
}
