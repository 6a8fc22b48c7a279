/// The names an authority may issue for, as RFC 5280 name constraints (DNS subtrees and IP ranges).
///
/// Off by default: many device TLS stacks refuse a certificate chain with a critical nameConstraints extension.
public struct NameConstraintsSpec: Sendable, Hashable, CustomStringConvertible {
    /// A DNS subtree (`lab.test` covers `lab.test` and every name below it; `.lab.test` only those below) or an
    /// IP range in CIDR form.
    public enum Subtree: Sendable, Hashable, CustomStringConvertible {
        case dns(String)
        case ip(address: [UInt8], prefixLength: Int, text: String)

        public var description: String {
            switch self {
            case .dns(let domain): "DNS:\(domain)"
            case .ip(_, _, let text): "IP:\(text)"
            }
        }

        /// The address followed by its mask, as the extension encodes an IP range.
        public var ipRangeBytes: [UInt8]? {
            guard case .ip(let address, let prefix, _) = self else { return nil }
            var mask = [UInt8](repeating: 0, count: address.count)
            for bit in 0..<prefix { mask[bit / 8] |= 0x80 >> UInt8(bit % 8) }
            return zip(address, mask).map { $0 & $1 } + mask
        }

        /// Whether `name` falls inside this subtree. Names of another kind never do.
        public func contains(_ name: CertificateName) -> Bool {
            switch (self, name) {
            case (.dns(let domain), .dns(let dns)):
                let n = dns.lowercased(), d = domain.lowercased()
                if d.hasPrefix(".") { return n.hasSuffix(d) }
                return n == d || n.hasSuffix("." + d)
            case (.ip(let address, let prefix, _), .ip(let bytes, _)):
                guard address.count == bytes.count else { return false }
                for bit in 0..<prefix where (address[bit / 8] ^ bytes[bit / 8]) & (0x80 >> UInt8(bit % 8)) != 0 {
                    return false
                }
                return true
            default:
                return false
            }
        }

        /// Whether this subtree says anything about names of the same kind as `name`.
        public func constrainsKind(of name: CertificateName) -> Bool {
            switch (self, name) {
            case (.dns, .dns), (.ip, .ip): true
            default: false
            }
        }
    }

    public var permitted: [Subtree]
    public var excluded: [Subtree]

    public init(permitted: [Subtree], excluded: [Subtree]) {
        self.permitted = permitted
        self.excluded = excluded
    }

    /// Whether a certificate may carry `name` under these constraints (RFC 5280 §4.2.1.10).
    public func permits(_ name: CertificateName) -> Bool {
        if excluded.contains(where: { $0.contains(name) }) { return false }
        let relevant = permitted.filter { $0.constrainsKind(of: name) }
        return relevant.isEmpty || relevant.contains { $0.contains(name) }
    }

    public var description: String {
        var parts: [String] = []
        if !permitted.isEmpty { parts.append("permitted " + permitted.map(\.description).joined(separator: ", ")) }
        if !excluded.isEmpty { parts.append("excluded " + excluded.map(\.description).joined(separator: ", ")) }
        return parts.joined(separator: "; ")
    }
}
