import Foundation
import PKILab
import Testing

@Suite("Reading lab.yaml")
struct LabFileReaderTests {
    @Test("the repository's lab.yaml is the starter that pkilab init writes, and it is valid")
    func defaultLab() throws {
        let repoLab = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("lab.yaml")
        let text = try String(contentsOf: repoLab, encoding: .utf8)
        #expect(text == LabTemplate.starter)
        let policy = try String(contentsOf: repoLab.deletingLastPathComponent().appendingPathComponent(LabTemplate.devicePolicyPath), encoding: .utf8)
        #expect(policy == LabTemplate.devicePolicy + "\n")
        let lab = try TestLab.parse(text, folder: repoLab.deletingLastPathComponent().path)
        #expect(lab.awsIoT?.policies.map(\.name) == ["DevicePolicy"])
        #expect(lab.awsIoT?.things.map(\.name) == ["device-001", "device-002"])
        #expect(lab.endpoints.filter { $0.mqtt.behaviour == .aws }.map(\.name) == ["aws-iot", "aws-iot-443"])
        #expect(lab.authorities.map(\.name) == ["root", "store-root", "issuing", "store-issuing"])
        #expect(lab.certificates.map(\.name) == ["server", "device-001", "device-002", "object-store"])
        #expect(lab.ota?.store.authority == "store-issuing" && lab.ota?.images == "firmware")
        #expect(lab.certificates[2].key == .rsa2048)
        #expect(lab.authority(named: "issuing")?.pathLength == 0)
    }

    @Test("defaults fill in what a certificate leaves out")
    func defaults() throws {
        let lab = try TestLab.parse("""
            authorities:
              root: { subject: { CN: R } }
            certificates:
              gadget: {}
              web: { role: server }
            """)
        let gadget = lab.certificates[0], web = lab.certificates[1]
        #expect(gadget.issuer == "root")
        #expect(gadget.role == .client)
        #expect(gadget.key == .ecP256)
        #expect(gadget.subject.commonName == "gadget")
        #expect(gadget.names == [.uri("urn:pkilab:lab:gadget")], "a client always gets a SAN")
        #expect(gadget.validity.duration?.text == "825d")
        #expect(web.names.map(\.description) == ["DNS:localhost", "IP:127.0.0.1", "DNS:127.0.0.1", "IP:::1"])
        #expect(web.subject.commonName == "localhost", "a server's CN is its first DNS name")
    }

    @Test("auto expands to this machine's names, and IPv4 names get a DNS copy")
    func autoNames() throws {
        let lab = try TestLab.parse(TestLab.text(extra: "  box: { role: both, names: [auto, box.lab.test] }"))
        let box = try #require(lab.certificates.first { $0.name == "box" })
        #expect(box.names.map(\.description) == [
            "DNS:testhost", "DNS:localhost", "IP:127.0.0.1", "DNS:127.0.0.1", "IP:::1", "IP:10.1.2.3", "DNS:10.1.2.3", "DNS:box.lab.test",
        ])
    }

    @Test("authorities come out parents first, whatever order they are written in")
    func ordering() throws {
        let lab = try TestLab.parse("""
            authorities:
              c: { parent: b, subject: { CN: C } }
              b: { parent: a, subject: { CN: B } }
              a: { subject: { CN: A } }
            """)
        #expect(lab.authorities.map(\.name) == ["a", "b", "c"])
        #expect(lab.ancestry(of: "c").map(\.name) == ["c", "b", "a"])
    }

    @Test("explicit dates make expired and not-yet-valid certificates")
    func explicitDates() throws {
        let lab = try TestLab.parse(TestLab.text(extra: """
              old: { not_before: 2020-01-01, not_after: "2021-01-01T12:00:00Z" }
              future: { not_before: 2099-01-01, validity: 30d }
            """))
        let old = try #require(lab.certificates.first { $0.name == "old" })
        let window = old.validity.window(issuedAt: Date())
        #expect(LabDate.iso(window.notBefore) == "2020-01-01T00:00:00Z")
        #expect(LabDate.iso(window.notAfter) == "2021-01-01T12:00:00Z")
        let future = try #require(lab.certificates.first { $0.name == "future" })
        #expect(LabDate.iso(future.validity.window(issuedAt: Date()).notAfter) == "2099-01-31T00:00:00Z")
    }

    @Test("name constraints: names outside are refused, DNS copies outside are left out with a notice")
    func nameConstraints() throws {
        let constrained = """
            authorities:
              root: { subject: { CN: R } }
              issuing: { parent: root, subject: { CN: I }, name_constraints: { permitted: [lab.test, 127.0.0.0/8] } }
            certificates:
              server: { issuer: issuing, role: server, names: [api.lab.test, 127.0.0.1] }
            """
        let lab = try TestLab.parse(constrained)
        #expect(lab.certificates[0].names.map(\.description) == ["DNS:api.lab.test", "IP:127.0.0.1"])
        #expect(lab.certificates[0].notices.count == 1)
        #expect(lab.certificates[0].notices[0].contains("DNS copy"))

        #expect(throws: LabFileError.self) { try TestLab.parse(constrained.replacingOccurrences(of: "api.lab.test", with: "example.com")) }
        do {
            _ = try TestLab.parse(constrained.replacingOccurrences(of: "api.lab.test", with: "example.com"))
        } catch let error as LabFileError {
            #expect(error.code == .nameConstraintViolation)
            #expect(error.location.keyPath == "certificates.server.names[0]")
            #expect(error.location.line == 5)
        }
    }
}
