import PKILab
import Testing

@Suite("Names in certificates")
struct CertificateNameTests {
    @Test("kinds are recognised", arguments: [
        ("localhost", "DNS:localhost"), ("*.lab.test", "DNS:*.lab.test"), ("Sensor-01.Lab.Test", "DNS:sensor-01.lab.test"),
        ("127.0.0.1", "IP:127.0.0.1"), ("::1", "IP:::1"), ("fd00::1", "IP:fd00::1"), ("ops@lab.test", "email:ops@lab.test"),
        ("spiffe://lab.test/device-1", "URI:spiffe://lab.test/device-1"), ("urn:pkilab:device-1", "URI:urn:pkilab:device-1"),
        ("dns:printer", "DNS:printer"),
    ])
    func recognises(text: String, expected: String) throws {
        #expect(try CertificateName.parse(text).get().description == expected)
    }

    @Test("IP addresses carry their bytes")
    func ipBytes() throws {
        guard case .ip(let v4, _) = try CertificateName.parse("192.168.1.30").get(),
              case .ip(let v6, _) = try CertificateName.parse("::1").get() else {
            Issue.record("not parsed as IP addresses")
            return
        }
        #expect(v4 == [192, 168, 1, 30])
        #expect(v6 == Array(repeating: 0, count: 15) + [1])
    }

    @Test("bad names are refused with a reason", arguments: [
        ("192.168.1.300", "not an IP address"), ("a.*.lab.test", "wildcard"), ("*.test", "wildcard"), ("foo..bar", "not a valid DNS name"),
        ("-bad.lab.test", "not a valid DNS name"), ("under score!", "not a valid"), ("host.123", "last label is a number"),
        ("a@b@c", "e-mail"), ("urn:", "URI"), ("", "empty"),
    ])
    func refuses(text: String, reason: String) {
        guard case .failure(let failure) = CertificateName.parse(text) else {
            Issue.record("\(text) was accepted")
            return
        }
        #expect(failure.message.contains(reason), "\(failure.message)")
    }
}
