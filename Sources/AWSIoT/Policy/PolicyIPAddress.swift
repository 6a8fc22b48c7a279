/// An IPv4 or IPv6 address as bytes, and CIDR blocks over it, for the `IpAddress`/`NotIpAddress` operators.
struct PolicyIPAddress: Hashable {
    var bytes: [UInt8]

    /// Parses dotted IPv4 (`192.0.2.7`) or IPv6 (`2001:db8::1`, also with a trailing dotted IPv4); nil otherwise.
    init?(_ text: String) {
        if let v4 = Self.parseIPv4(Substring(text)) {
            bytes = v4
        } else if let v6 = Self.parseIPv6(text) {
            bytes = v6
        } else {
            return nil
        }
    }

    /// Whether `address` lies in `block`, written `address/prefix` or as a single address. IPv4-mapped IPv6
    /// addresses (`::ffff:a.b.c.d`) compare as IPv4.
    static func contains(block: String, address: PolicyIPAddress) -> Bool {
        let parts = block.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, var network = PolicyIPAddress(String(first)) else { return false }
        var candidate = address
        network = network.unmapped
        candidate = candidate.unmapped
        guard network.bytes.count == candidate.bytes.count else { return false }
        let bits = network.bytes.count * 8
        var prefix = bits
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...bits).contains(value) else { return false }
            prefix = value
        }
        for bit in 0..<prefix {
            let mask = UInt8(0x80) >> UInt8(bit % 8)
            if network.bytes[bit / 8] & mask != candidate.bytes[bit / 8] & mask { return false }
        }
        return true
    }

    private var unmapped: PolicyIPAddress {
        guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF else { return self }
        var copy = self
        copy.bytes = Array(bytes[12...])
        return copy
    }

    private static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var result: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let value = UInt8(part) else { return nil }
            result.append(value)
        }
        return result
    }

    private static func parseIPv6(_ text: String) -> [UInt8]? {
        var halves = [text]
        if let gap = text.firstRange(of: "::") {
            halves = [String(text[..<gap.lowerBound]), String(text[gap.upperBound...])]
            guard !halves[1].contains("::") else { return nil }
        }
        func groups(_ part: String) -> [UInt8]? {
            if part.isEmpty { return [] }
            var result: [UInt8] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (offset, piece) in pieces.enumerated() {
                if offset == pieces.count - 1, piece.contains("."), let v4 = parseIPv4(piece) {
                    result += v4
                    continue
                }
                guard (1...4).contains(piece.count), let value = UInt16(piece, radix: 16) else { return nil }
                result += [UInt8(value >> 8), UInt8(value & 0xFF)]
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 16 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count < 16 else { return nil }
        return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
    }
}
