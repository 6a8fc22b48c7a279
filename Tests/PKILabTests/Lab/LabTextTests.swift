import Foundation
import PKILab
import Testing

@Suite("What lab.yaml may put into a certificate")
struct LabTextTests {
    @Test("a lab name with non-ASCII letters is accepted and percent-encoded in the URN, so the URI stays an IA5String")
    func nonASCIILabName() throws {
        let lab = try TestLab.parse(TestLab.text().replacingOccurrences(of: "lab: test", with: "lab: Küche Lab"))
        let device = try #require(lab.certificates.first { $0.name == "device-001" })
        #expect(device.names == [.uri("urn:pkilab:k%C3%BCche-lab:device-001")])
    }

    @Test("control characters, bidi controls, non-ASCII URI and e-mail names and over-long values are refused at file:line:col",
          arguments: [
              ("lab: \"a\\u202Eb\"", "lab", "bidirectional control"),
              ("lab: \"a\\tb\"", "lab", "a tab"),
              ("lab: \(String(repeating: "x", count: 200_000))", "lab", "longer than 64"),
              ("  device-002: { subject: { CN: \"a\\rb\" } }", "certificates.device-002.subject.CN", "carriage return"),
              ("  device-002: { subject: { CN: x, OU: \"\\x1b[31m\" } }", "certificates.device-002.subject.OU", "ESC"),
              ("  device-002: { subject: { CN: x, O: \"\\u2028\" } }", "certificates.device-002.subject.O", "line separator"),
              ("  device-002: { subject: { CN: \"\\x85\" } }", "certificates.device-002.subject.CN", "control character (U+0085)"),
              ("  device-002: { subject: { CN: \(String(repeating: "é", count: 65)) } }", "certificates.device-002.subject.CN", "64 characters"),
              ("  device-002: { names: [\"uri:urn:x:\(String(repeating: "a", count: 2_000_000))\"] }", "certificates.device-002.names[0]", "2048"),
              ("  device-002: { names: [\"email:\(String(repeating: "a", count: 400))@lab.test\"] }", "certificates.device-002.names[0]", "320"),
              ("  device-002: { names: [\"spiffe://lab.test/ü\"] }", "certificates.device-002.names[0]", "URI name is ASCII"),
              ("  device-002: { names: [\"jörg@lab.test\"] }", "certificates.device-002.names[0]", "e-mail name is ASCII"),
              ("  device-002: { subject: { CN: x, emailAddress: \"jörg@lab.test\" } }", "certificates.device-002.subject.emailAddress", "ASCII"),
          ])
    func refused(_ line: String, keyPath: String, message: String) throws {
        let text = line.hasPrefix("lab:") ? TestLab.text().replacingOccurrences(of: "lab: test", with: line) : TestLab.text(extra: line)
        let started = Date()
        #expect {
            try TestLab.parse(text)
        } throws: { error in
            guard let error = error as? LabFileError else { return false }
            #expect(error.location.keyPath == keyPath, "\(error)")
            #expect(error.location.line > 0 && error.location.column > 0, "\(error)")
            #expect(error.description.contains(message), "\(error)")
            #expect(error.description.utf8.count < 400, "the message does not repeat the value")
            #expect(error.hint != nil)
            return true
        }
        #expect(Date().timeIntervalSince(started) < 15, "refused at once, however long the value (5 MB used to run for minutes)")
    }

    @Test("events: max_size and keep are read; bad values are refused where they are written")
    func eventsSection() throws {
        #expect(try TestLab.parse(TestLab.text()).events == .standard)
        let lab = try TestLab.parse(TestLab.text(extra: "events: { max_size: 2KiB, keep: 3 }"))
        #expect(lab.events == EventRotation(maxSize: 2048, keep: 3))
        #expect(EventRotation.parseSize("10MiB") == 10 << 20 && EventRotation.parseSize("1 MB") == 1_000_000 && EventRotation.parseSize("4096") == 4096)
        #expect(EventRotation.parseSize("ten") == nil && EventRotation.parseSize("5XB") == nil)
        for (extra, key) in [("events: { max_size: 100 }", "events.max_size"), ("events: { max_size: lots }", "events.max_size"),
                             ("events: { keep: -1 }", "events.keep"), ("events: { kept: 2 }", "events.kept")] {
            #expect {
                try TestLab.parse(TestLab.text(extra: extra))
            } throws: { error in
                (error as? LabFileError)?.location.keyPath == key
            }
        }
    }
}
