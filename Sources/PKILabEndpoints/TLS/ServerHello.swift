import Foundation

/// The cipher suite and version a ServerHello chose, read from the first bytes the server sends (swift-nio-ssl
/// has no getter for the negotiated cipher).
enum ServerHello {
    static func parse(_ bytes: [UInt8]) -> (cipher: String, version: String?)? {
        guard bytes.count >= 5 + 4 + 2 + 32 + 1, bytes[0] == 0x16, bytes[5] == 0x02 else { return nil }
        var reader = ClientHello.Reader(bytes: Array(bytes[9...]))
        guard reader.u16() != nil, reader.skip(32), let sessionLength = reader.u8(), reader.skip(Int(sessionLength)),
              let suite = reader.u16(), reader.u8() != nil else { return nil }
        var version: String?
        if let extensionsLength = reader.u16(), var extensions = reader.sub(Int(extensionsLength)) {
            while let type = extensions.u16(), let length = extensions.u16(), var body = extensions.sub(Int(length)) {
                if type == 0x002B, let selected = body.u16() { version = ClientHello.versionName(selected) }
            }
        }
        return (CipherSuiteNames.name(suite), version)
    }
}

/// IANA names of the cipher suites a lab endpoint can negotiate.
enum CipherSuiteNames {
    static func name(_ value: UInt16) -> String {
        switch value {
        case 0x1301: "TLS_AES_128_GCM_SHA256"
        case 0x1302: "TLS_AES_256_GCM_SHA384"
        case 0x1303: "TLS_CHACHA20_POLY1305_SHA256"
        case 0xC02B: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
        case 0xC02C: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
        case 0xC02F: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        case 0xC030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
        case 0xCCA9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
        case 0xCCA8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
        case 0xC009: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"
        case 0xC00A: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"
        case 0xC013: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"
        case 0xC014: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"
        case 0x009C: "TLS_RSA_WITH_AES_128_GCM_SHA256"
        case 0x009D: "TLS_RSA_WITH_AES_256_GCM_SHA384"
        case 0x002F: "TLS_RSA_WITH_AES_128_CBC_SHA"
        case 0x0035: "TLS_RSA_WITH_AES_256_CBC_SHA"
        default: String(format: "0x%04X", value)
        }
    }
}
