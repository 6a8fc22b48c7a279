#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Recognises a private key in a file's bytes, so `/files/` never hands one out whatever it is named: a PEM block
/// whose label ends in `PRIVATE KEY` (PKCS#8, encrypted PKCS#8, SEC1 `EC`, PKCS#1 `RSA`, OpenSSH…) anywhere in the
/// file, or a whole file that is one DER PKCS#8, encrypted PKCS#8, SEC1 or PKCS#1 private key.
enum PrivateKeySniffer {
    /// The end of every PEM private-key label: `-----BEGIN EC PRIVATE KEY-----`, `-----BEGIN PRIVATE KEY-----`, …
    static let pemMarker = Array("PRIVATE KEY-----".utf8)
    /// Larger than any DER private key (an RSA 16384-bit PKCS#1 key is about 9 KiB).
    static let largestDERKey = 64 * 1024

    /// What kind of key the open file `fd` holds (read from its start), or nil when it holds none.
    static func key(in fd: Int32, size: Int) -> String? {
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        var offset = 0
        var carry: [UInt8] = []
        var head: [UInt8] = []
        while true {
            let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
            if count < 0 && errno == EINTR { continue }
            // An unreadable file is treated as a key: refusing is the safe answer when the content is unknown.
            guard count >= 0 else { return "an unreadable file" }
            if count == 0 { break }
            let chunk = carry + buffer[0..<count]
            if head.count < largestDERKey + 1 { head += buffer[0..<min(count, largestDERKey + 1 - head.count)] }
            if contains(chunk, pemMarker) { return "a PEM private key" }
            carry = Array(chunk.suffix(pemMarker.count - 1))
            offset += count
        }
        if offset <= largestDERKey, let kind = derKey(head) { return kind }
        return nil
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, haystack.count >= needle.count else { return false }
        return haystack.withUnsafeBufferPointer { hay in
            var index = 0
            let last = hay.count - needle.count
            while index <= last {
                if hay[index] == first {
                    var matched = 1
                    while matched < needle.count && hay[index + matched] == needle[matched] { matched += 1 }
                    if matched == needle.count { return true }
                }
                index += 1
            }
            return false
        }
    }

    /// The kind of DER private key `bytes` is as a whole, or nil.
    static func derKey(_ bytes: [UInt8]) -> String? {
        guard let outer = DERElement.parse(bytes[...]), outer.tag == 0x30, outer.rest.isEmpty,
              let children = DERElement.children(of: outer.content), let first = children.first else { return nil }
        let tags = children.map(\.tag)
        if first.tag == 0x02 {
            // PKCS#8: version, AlgorithmIdentifier, OCTET STRING privateKey, …
            if tags.count >= 3 && tags[1] == 0x30 && tags[2] == 0x04 { return "a DER PKCS#8 private key" }
            // SEC1: version 1, OCTET STRING privateKey, [0] parameters, [1] publicKey
            if tags.count >= 2 && tags[1] == 0x04 && first.content.elementsEqual([1]) { return "a DER SEC1 EC private key" }
            // PKCS#1: version, n, e, d, p, q, dP, dQ, qInv (all INTEGERs)
            if tags.count >= 9 && tags.prefix(9).allSatisfy({ $0 == 0x02 }) { return "a DER PKCS#1 RSA private key" }
        }
        // Encrypted PKCS#8: AlgorithmIdentifier, OCTET STRING encryptedData
        if tags == [0x30, 0x04] { return "a DER encrypted PKCS#8 private key" }
        return nil
    }
}

/// One DER tag-length-value, just enough to see the shape of a structure.
struct DERElement {
    var tag: UInt8
    var content: ArraySlice<UInt8>
    var rest: ArraySlice<UInt8>

    static func parse(_ bytes: ArraySlice<UInt8>) -> DERElement? {
        var index = bytes.startIndex
        guard index < bytes.endIndex else { return nil }
        let tag = bytes[index]
        // Multi-byte tags are not part of any key structure.
        guard tag & 0x1F != 0x1F else { return nil }
        index += 1
        guard index < bytes.endIndex else { return nil }
        var length = Int(bytes[index])
        index += 1
        if length & 0x80 != 0 {
            let octets = length & 0x7F
            guard (1...3).contains(octets), bytes.endIndex - index >= octets else { return nil }
            length = 0
            for _ in 0..<octets {
                length = length << 8 | Int(bytes[index])
                index += 1
            }
        }
        guard bytes.endIndex - index >= length else { return nil }
        return DERElement(tag: tag, content: bytes[index..<(index + length)], rest: bytes[(index + length)...])
    }

    static func children(of content: ArraySlice<UInt8>) -> [DERElement]? {
        var result: [DERElement] = []
        var rest = content
        while !rest.isEmpty {
            guard let element = parse(rest) else { return nil }
            result.append(element)
            rest = element.rest
        }
        return result
    }
}
