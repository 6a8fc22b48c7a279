import Foundation
import Testing
@testable import PKILab

@Suite("C text: byte arrays, PEM string literals and identifiers")
struct CSourceTests {
    @Test("a byte array holds exactly the bytes, 12 to a row, with its length; BearSSL's form has no length; PROGMEM on request",
          arguments: [0, 1, 11, 12, 13, 300])
    func byteArray(count: Int) {
        let bytes = (0..<count).map { UInt8(($0 * 37 + 11) % 256) }
        let text = CSource.byteArray("lab_thing", bytes)
        #expect(ExportParsing.array("lab_thing", in: text) == bytes, "\(text)")
        #expect(ExportParsing.length("lab_thing", in: text) == count)
        #expect(text.hasPrefix("static const uint8_t lab_thing[] LAB_UNUSED = {\n"))
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("    0x") }
        #expect(rows.count == (count + 11) / 12)
        #expect(rows.dropLast().allSatisfy { $0.split(separator: ",").count == 12 })
        #expect(rows.allSatisfy { $0.hasSuffix(",") })
        // Lower-case hex, two digits: 0x0b, never 0xB or 0xb.
        if count > 0 { #expect(text.contains("0x0b,")) }

        let bare = CSource.byteArray("TA0_DN", bytes, type: "unsigned char", withLength: false, progmem: true)
        #expect(bare.hasPrefix("static const unsigned char TA0_DN[] LAB_UNUSED PROGMEM = {\n"))
        #expect(!bare.contains("_len"))
        #expect(ExportParsing.array("TA0_DN", in: bare) == bytes)
    }

    @Test("a PEM string literal is one literal per line, each ending in \\n, which together are the PEM again")
    func pemString() {
        let pem = "-----BEGIN CERTIFICATE-----\nMIIB\nAAAA\n-----END CERTIFICATE-----\n"
        let text = CSource.pemString("lab_ca_pem", pem)
        #expect(text == """
            static const char lab_ca_pem[] LAB_UNUSED =
                "-----BEGIN CERTIFICATE-----\\n"
                "MIIB\\n"
                "AAAA\\n"
                "-----END CERTIFICATE-----\\n";

            """)
        #expect(ExportParsing.string("lab_ca_pem", in: text) == pem)
        #expect(CSource.pemString("x", pem, progmem: true).hasPrefix("static const char x[] LAB_UNUSED PROGMEM =\n"))
    }

    @Test("identifiers: everything but letters and digits becomes _", arguments: [
        ("device-001", "device_001"), ("sensor.v2 a/b", "sensor_v2_a_b"), ("plain", "plain"), ("a--b", "a__b"),
    ])
    func identifier(name: String, expected: String) {
        #expect(CSource.identifier(name) == expected)
    }

    @Test("LAB_UNUSED is defined once, guarded, as the unused attribute on GCC and Clang")
    func unusedMacro() {
        let text = CSource.unusedMacro
        #expect(text.hasPrefix("#ifndef LAB_UNUSED\n"))
        #expect(text.contains("#define LAB_UNUSED __attribute__((unused))"))
        #expect(text.components(separatedBy: "#endif").count - 1 == 2 && text.contains("#else\n#define LAB_UNUSED\n#endif"), "\(text)")
    }
}
