extension Sequence where Element == UInt8 {
    /// Lower-case hex without separators (fingerprints, serials, digests); written out by hand because
    /// `String(format:)` per byte is slow on the paths that issue fleets and check every handshake.
    var lowercaseHex: String {
        let digits = Array("0123456789abcdef".utf8)
        var characters: [UInt8] = []
        characters.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            characters.append(digits[Int(byte >> 4)])
            characters.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: characters, as: UTF8.self)
    }
}
