import Foundation
import Testing
@testable import PKILabEndpoints

/// DER by hand: a tag, a length (short or long form) and the content.
private func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
    let count = content.count
    let length: [UInt8] = count < 128 ? [UInt8(count)] : count < 256 ? [0x81, UInt8(count)] : [0x82, UInt8(count >> 8), UInt8(count & 0xFF)]
    return [tag] + length + content
}

private func integer(_ value: UInt8) -> [UInt8] { tlv(0x02, [value]) }

@Suite("The private-key sniffer behind /files/: the shapes of DER keys, and PEM markers anywhere")
struct PrivateKeySnifferTests {
    @Test("whole-file DER shapes: PKCS#8, encrypted PKCS#8, SEC1 and PKCS#1 are keys")
    func keys() {
        let algorithm = tlv(0x30, tlv(0x06, [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]))
        #expect(PrivateKeySniffer.derKey(tlv(0x30, integer(0) + algorithm + tlv(0x04, [UInt8](repeating: 7, count: 40)))) == "a DER PKCS#8 private key")
        #expect(PrivateKeySniffer.derKey(tlv(0x30, algorithm + tlv(0x04, [UInt8](repeating: 1, count: 300)))) == "a DER encrypted PKCS#8 private key")
        #expect(PrivateKeySniffer.derKey(tlv(0x30, integer(1) + tlv(0x04, [UInt8](repeating: 9, count: 32)) + tlv(0xA0, [0x06, 0x00]))) == "a DER SEC1 EC private key")
        #expect(PrivateKeySniffer.derKey(tlv(0x30, (0..<9).flatMap { integer(UInt8($0 + 1)) })) == "a DER PKCS#1 RSA private key")
    }

    @Test("not keys: a key with bytes after it, a SEC1 shape with version 2, eight INTEGERs, a certificate-like SEQUENCE, garbage")
    func notKeys() {
        let sec1 = tlv(0x30, integer(1) + tlv(0x04, [UInt8](repeating: 9, count: 32)))
        #expect(PrivateKeySniffer.derKey(sec1) != nil)
        #expect(PrivateKeySniffer.derKey(sec1 + [0x00]) == nil, "the key must be the whole file")
        #expect(PrivateKeySniffer.derKey(tlv(0x30, integer(2) + tlv(0x04, [1, 2, 3]))) == nil)
        #expect(PrivateKeySniffer.derKey(tlv(0x30, (0..<8).flatMap { integer(UInt8($0)) })) == nil)
        #expect(PrivateKeySniffer.derKey(tlv(0x30, tlv(0x30, integer(0)) + tlv(0x30, []) + tlv(0x03, [0, 1]))) == nil)
        #expect(PrivateKeySniffer.derKey(Array("firmware image".utf8)) == nil)
        #expect(PrivateKeySniffer.derKey([]) == nil)
        #expect(PrivateKeySniffer.derKey([0x30, 0x84, 0, 0, 0, 1, 0]) == nil, "a four-byte length is no key structure")
    }

    @Test("a PEM marker is found at the start, the end, and across the 256 KiB reads; a file without one is no key")
    func pemAnywhere() throws {
        let folder = NSTemporaryDirectory() + "pkilab-sniffer-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func sniff(_ bytes: [UInt8]) throws -> String? {
            let path = folder + "/file"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let fd = open(path, O_RDONLY)
            defer { close(fd) }
            return PrivateKeySniffer.key(in: fd, size: bytes.count)
        }
        let marker = Array("-----BEGIN RSA PRIVATE KEY-----".utf8)
        let chunk = 256 * 1024
        #expect(try sniff(marker) == "a PEM private key")
        #expect(try sniff([UInt8](repeating: 0x41, count: 3 * chunk) + marker) == "a PEM private key")
        for split in [1, 8, 15] {
            // "PRIVATE KEY-----" split `split` bytes before the end of the first read.
            let filler = [UInt8](repeating: 0x41, count: chunk - (marker.count - 16) - split)
            #expect(try sniff(filler + marker + [0x0A]) == "a PEM private key", "split \(split)")
        }
        #expect(try sniff([UInt8](repeating: 0x41, count: chunk + 100)) == nil)
        #expect(try sniff(Array("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".utf8)) == nil)
    }
}
