import NIOCore

/// What a TLS ClientHello offers: the fields an event shows (SNI, ALPN, versions), parsed from the first bytes
/// a client sends, before the TLS library sees them.
struct ClientHello: Sendable, Hashable {
    var serverName: String?
    var alpn: [String] = []
    /// Offered versions, newest first: "1.3", "1.2", …
    var versions: [String] = []
    var cipherSuiteCount = 0
    /// The client offered a session ticket or a PSK: it tried to resume.
    var offeredResumption = false
    /// The record size the client asked for with RFC 6066 max_fragment_length (512–4096 bytes), if it did.
    var maxFragmentLength: Int?
    /// The key-exchange groups it offered (supported_groups), as IANA code points.
    var groups: [UInt16] = []

    /// The groups a lab endpoint (BoringSSL) can use: X25519, P-256, P-384, P-521.
    static let groupsTheLabSpeaks: Set<UInt16> = [0x001D, 0x0017, 0x0018, 0x0019]

    /// Whether it offered groups, none of which the lab can use (`-groups X448`).
    var offersNoUsableGroup: Bool {
        !groups.isEmpty && groups.allSatisfy { !Self.groupsTheLabSpeaks.contains($0) }
    }

    /// Parses a ClientHello from the start of a connection. Returns nil while more bytes are needed, and
    /// `.failure` when the bytes are not a ClientHello at all.
    static func parse(_ bytes: [UInt8]) -> Result<ClientHello, ParseError>? {
        // Join the handshake fragments of consecutive handshake records.
        var handshake: [UInt8] = []
        var offset = 0
        var recordVersion: UInt16 = 0
        while offset + 5 <= bytes.count {
            guard bytes[offset] == 0x16 else { return handshake.isEmpty ? .failure(.notTLS) : .failure(.malformed) }
            recordVersion = UInt16(bytes[offset + 1]) << 8 | UInt16(bytes[offset + 2])
            let length = Int(bytes[offset + 3]) << 8 | Int(bytes[offset + 4])
            guard offset + 5 + length <= bytes.count else { break }
            handshake += bytes[(offset + 5)..<(offset + 5 + length)]
            offset += 5 + length
            if handshake.count >= 4 {
                let bodyLength = Int(handshake[1]) << 16 | Int(handshake[2]) << 8 | Int(handshake[3])
                if handshake.count >= 4 + bodyLength { break }
            }
        }
        guard handshake.count >= 4 else { return nil }
        guard handshake[0] == 0x01 else { return .failure(.malformed) }
        let bodyLength = Int(handshake[1]) << 16 | Int(handshake[2]) << 8 | Int(handshake[3])
        guard handshake.count >= 4 + bodyLength else { return nil }
        var reader = Reader(bytes: Array(handshake[4..<(4 + bodyLength)]))
        var hello = ClientHello()
        guard let legacyVersion = reader.u16(), reader.skip(32), let sessionLength = reader.u8(), reader.skip(Int(sessionLength)),
              let suitesLength = reader.u16(), reader.skip(Int(suitesLength)), let compressionLength = reader.u8(),
              reader.skip(Int(compressionLength)) else { return .failure(.malformed) }
        hello.cipherSuiteCount = Int(suitesLength) / 2
        var versions: [UInt16] = []
        if let extensionsLength = reader.u16(), var extensions = reader.sub(Int(extensionsLength)) {
            while let type = extensions.u16(), let length = extensions.u16(), var body = extensions.sub(Int(length)) {
                switch type {
                case 0x0000:
                    if body.u16() != nil, body.u8() == 0, let nameLength = body.u16(), let name = body.bytes(Int(nameLength)) {
                        hello.serverName = String(decoding: name, as: UTF8.self)
                    }
                case 0x0010:
                    if let listLength = body.u16(), var list = body.sub(Int(listLength)) {
                        while let length = list.u8(), let name = list.bytes(Int(length)) {
                            hello.alpn.append(String(decoding: name, as: UTF8.self))
                        }
                    }
                case 0x002B:
                    if let length = body.u8(), var list = body.sub(Int(length)) {
                        while let version = list.u16() { versions.append(version) }
                    }
                case 0x0001:
                    if let code = body.u8(), (1...4).contains(code) { hello.maxFragmentLength = 256 << Int(code) }
                case 0x000A:
                    if let listLength = body.u16(), var list = body.sub(Int(listLength)) {
                        while let group = list.u16() { hello.groups.append(group) }
                    }
                case 0x0023:
                    if length > 0 { hello.offeredResumption = true }
                case 0x0029:
                    hello.offeredResumption = true
                default:
                    break
                }
            }
        }
        if versions.isEmpty { versions = [max(legacyVersion, recordVersion)] }
        hello.versions = versions.filter { $0 & 0x0F0F != 0x0A0A }.sorted(by: >).compactMap(Self.versionName)
        return .success(hello)
    }

    static func versionName(_ version: UInt16) -> String? {
        switch version {
        case 0x0304: "1.3"
        case 0x0303: "1.2"
        case 0x0302: "1.1"
        case 0x0301: "1.0"
        case 0x0300: "SSL 3.0"
        default: nil
        }
    }

    enum ParseError: Error, Sendable {
        /// The first byte is not a TLS handshake record: plain text, HTTP, or another protocol.
        case notTLS
        case malformed
    }

    struct Reader {
        var bytes: [UInt8]
        var index = 0
        mutating func u8() -> UInt8? {
            guard index < bytes.count else { return nil }
            defer { index += 1 }
            return bytes[index]
        }
        mutating func u16() -> UInt16? {
            guard index + 2 <= bytes.count else { return nil }
            defer { index += 2 }
            return UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
        }
        mutating func skip(_ count: Int) -> Bool {
            guard index + count <= bytes.count else { return false }
            index += count
            return true
        }
        mutating func bytes(_ count: Int) -> [UInt8]? {
            guard index + count <= bytes.count else { return nil }
            defer { index += count }
            return Array(bytes[index..<(index + count)])
        }
        mutating func sub(_ count: Int) -> Reader? { bytes(count).map { Reader(bytes: $0) } }
    }
}
