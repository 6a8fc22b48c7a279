import Foundation
import PKILab
import Testing

@Suite("The offline clock: SNTP packets and time offsets")
struct ClockTests {
    func request(version: UInt8 = 4, mode: UInt8 = 3, transmit: [UInt8] = [0xEA, 1, 2, 3, 4, 5, 6, 7]) -> [UInt8] {
        [(version << 3) | mode, 0, 6, 0] + [UInt8](repeating: 0, count: 36) + transmit
    }

    @Test("a client request gets a 48-byte mode 4 reply with its version, a non-zero stratum and its transmit time as originate")
    func reply() throws {
        for version: UInt8 in [3, 4] {
            let parsed = try #require(SNTPPacket.request(request(version: version)))
            let now = Date(timeIntervalSince1970: 1_800_000_000.25)
            let bytes = SNTPPacket.reply(to: parsed, received: now, sent: now)
            #expect(bytes.count == 48)
            #expect(bytes[0] & 0x07 == 4 && (bytes[0] >> 3) & 0x07 == version && bytes[0] >> 6 == 0)
            #expect(bytes[1] != 0 && bytes[1] < 16)
            #expect(Array(bytes[24..<32]) == [0xEA, 1, 2, 3, 4, 5, 6, 7])
            #expect(abs(SNTPPacket.date(bytes[40..<48]).timeIntervalSince(now)) < 0.001)
        }
    }

    @Test("what is not a client request gets no answer: short packets, server and broadcast modes, version 0")
    func ignored() {
        #expect(SNTPPacket.request(Array(request().prefix(47))) == nil)
        #expect(SNTPPacket.request(request(mode: 4)) == nil)
        #expect(SNTPPacket.request(request(mode: 5)) == nil)
        #expect(SNTPPacket.request(request(version: 0)) == nil)
    }

    @Test("timestamps after 2036 use era 1, as lwIP reads them")
    func era() {
        let later = Date(timeIntervalSince1970: 2_200_000_000)  // 2039
        let bytes = SNTPPacket.timestamp(later)
        #expect(bytes[0] < 0x80, "seconds wrapped past 2^32")
        #expect(abs(SNTPPacket.date(bytes).timeIntervalSince(later)) < 0.001)
    }

    @Test("offsets read +400d, -30d, 12h and 0, and print back")
    func offsets() {
        #expect(ClockOffset(parsing: "+400d")?.seconds == Int64(400 * 86_400))
        #expect(ClockOffset(parsing: "-30d")?.seconds == Int64(-30 * 86_400))
        #expect(ClockOffset(parsing: "12h")?.seconds == Int64(43_200))
        #expect(ClockOffset(parsing: "0")?.isZero == true)
        #expect(ClockOffset(parsing: "tomorrow") == nil)
        #expect(ClockOffset(parsing: "+1d12h")?.description == "+1d12h")
    }

    @Test("validity: clockless starts in 1970 and needs clockless authorities above it")
    func clockless() throws {
        let lab = try TestLab.parse("""
            lab: t
            authorities:
              root: { subject: { CN: R }, validity: clockless }
            certificates:
              device: { issuer: root, role: client, validity: clockless }
            """)
        let device = try #require(lab.certificates.first)
        #expect(device.validity.clockless && device.validity.notBefore == Date(timeIntervalSince1970: 0))
        #expect(device.notices.contains { $0.contains("clockless") })
        #expect(throws: LabFileError.self) {
            try TestLab.parse(TestLab.text(extra: "  device-002: { issuer: issuing, role: client, validity: clockless }"))
        }
    }
}
