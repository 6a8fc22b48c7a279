import Foundation
import PKILabTestSupport
import Testing

@Suite("OpenSSL verifies what pkilab issues", .timeLimit(.minutes(3)))
struct OpenSSLInteropTests {
    static func verify(_ store: String, _ name: String, _ extra: [String]) throws -> RunResult {
        try Run.program("openssl", ["verify", "-x509_strict", "-CAfile", "\(store)/root.pem", "-untrusted", "\(store)/certs/\(name)/chain.pem"]
                        + extra + ["\(store)/certs/\(name)/cert.pem"])
    }

    @Test("the default lab: server by name and IP, clients by purpose, all under -x509_strict")
    func defaultLab() throws {
        let scratch = try Scratch(lab: String(contentsOfFile: Pkilab.repository + "/lab.yaml", encoding: .utf8))
        defer { scratch.remove() }
        let issue = try Pkilab.run(["issue"], in: scratch.path)
        #expect(issue.status == 0, "\(issue)")
        let store = scratch.path + "/ca"
        for check in [["-purpose", "sslserver", "-verify_hostname", "localhost"], ["-purpose", "sslserver", "-verify_hostname", "api.lab.test"],
                      ["-purpose", "sslserver", "-verify_ip", "127.0.0.1"], ["-purpose", "sslserver", "-verify_ip", "::1"]] {
            let result = try Self.verify(store, "server", check)
            #expect(result.status == 0 && result.stdout.contains(": OK"), "\(check): \(result)")
        }
        for device in ["device-001", "device-002"] {
            let result = try Self.verify(store, device, ["-purpose", "sslclient"])
            #expect(result.status == 0, "\(device): \(result)")
            let asServer = try Self.verify(store, device, ["-purpose", "sslserver"])
            #expect(asServer.status != 0, "a client-only certificate must not pass as a server")
        }
        let tooDeep = try Self.verify(store, "server", ["-purpose", "sslserver", "-verify_hostname", "a.b.lab.test"])
        #expect(tooDeep.status != 0 && (tooDeep.stdout + tooDeep.stderr).contains("hostname mismatch"), "\(tooDeep)")
        // The DNS copy of 127.0.0.1 that ESP32/ESP8266 stacks match.
        let text = try Run.program("openssl", ["x509", "-noout", "-ext", "subjectAltName", "-in", "\(store)/certs/server/cert.pem"])
        #expect(text.stdout.contains("IP Address:127.0.0.1") && text.stdout.contains("DNS:127.0.0.1"), "\(text)")
    }

    @Test("every key type chains and verifies", arguments: ["ec-p256", "ec-p384", "rsa-2048", "rsa-3072", "rsa-4096", "ed25519"])
    func keyTypes(key: String) throws {
        let scratch = try Scratch(lab: Scratch.lab(key: key))
        defer { scratch.remove() }
        let issue = try Pkilab.run(["issue"], in: scratch.path)
        #expect(issue.status == 0, "\(issue)")
        let store = scratch.path + "/ca"
        #expect(try Self.verify(store, "server", ["-purpose", "sslserver", "-verify_hostname", "localhost"]).status == 0)
        #expect(try Self.verify(store, "server", ["-purpose", "sslserver", "-verify_ip", "127.0.0.1"]).status == 0)
        #expect(try Self.verify(store, "device-001", ["-purpose", "sslclient"]).status == 0)
        let text = try Run.program("openssl", ["x509", "-noout", "-text", "-in", "\(store)/certs/server/cert.pem"]).stdout
        let expected = ["ec-p256": "ecdsa-with-SHA256", "ec-p384": "ecdsa-with-SHA384", "rsa-2048": "sha256WithRSAEncryption",
                        "rsa-3072": "sha256WithRSAEncryption", "rsa-4096": "sha256WithRSAEncryption", "ed25519": "ED25519"][key]!
        #expect(text.contains("Signature Algorithm: \(expected)"), "\(text)")
        // The private key parses with OpenSSL and belongs to the certificate.
        let keyPub = try Run.program("openssl", ["pkey", "-pubout", "-in", "\(store)/certs/server/key.pem"]).stdout
        let certPub = try Run.program("openssl", ["x509", "-pubkey", "-noout", "-in", "\(store)/certs/server/cert.pem"]).stdout
        #expect(!keyPub.isEmpty && keyPub == certPub)
    }

    @Test("a three-level tree with every subject field: OpenSSL follows the chain and shows the fields")
    func deepTree() throws {
        let scratch = try Scratch(lab: """
            authorities:
              root: { subject: { CN: Deep Root, O: pkilab, C: DE }, path_len: 2 }
              region: { parent: root, subject: { CN: Region CA, O: pkilab }, path_len: 1 }
              issuing: { parent: region, subject: { CN: Issuing CA, O: pkilab }, path_len: 0 }
            certificates:
              sensor: { issuer: issuing, role: both, key: rsa-2048, names: [sensor.lab.test, 10.0.0.7],
                        subject: { CN: sensor, O: Acme, OU: Labs, C: FR, ST: Ile-de-France, L: Paris, emailAddress: ops@lab.test } }
            """)
        defer { scratch.remove() }
        let issue = try Pkilab.run(["issue"], in: scratch.path)
        #expect(issue.status == 0, "\(issue)")
        let store = scratch.path + "/ca"
        let chain = try String(contentsOfFile: "\(store)/certs/sensor/chain.pem", encoding: .utf8)
        #expect(chain.components(separatedBy: "BEGIN CERTIFICATE").count - 1 == 2, "issuing and region, without the root")
        for purpose in ["sslserver", "sslclient"] {
            let result = try Self.verify(store, "sensor", ["-purpose", purpose, "-verify_ip", "10.0.0.7"])
            #expect(result.status == 0, "\(purpose): \(result)")
        }
        let subject = try Run.program("openssl", ["x509", "-noout", "-subject", "-in", "\(store)/certs/sensor/cert.pem"])
        #expect(subject.stdout.contains("C = FR, ST = Ile-de-France, L = Paris, O = Acme, OU = Labs, CN = sensor, emailAddress = ops@lab.test"), "\(subject)")
    }

    @Test("a name-constrained authority: pkilab refuses names outside it, and OpenSSL refuses a certificate made outside it")
    func nameConstraints() throws {
        let lab = """
            authorities:
              root: { subject: { CN: NC Root } }
              issuing: { parent: root, subject: { CN: NC Issuing }, name_constraints: { permitted: [lab.test, 127.0.0.0/8, "::1/128"] } }
            certificates:
              server: { issuer: issuing, role: server, names: [api.lab.test, 127.0.0.1, "::1"] }
            """
        let scratch = try Scratch(lab: lab)
        defer { scratch.remove() }
        let issue = try Pkilab.run(["issue"], in: scratch.path)
        #expect(issue.status == 0, "\(issue)")
        #expect(issue.stdout.contains("left out the DNS copy of IP:127.0.0.1"), "\(issue)")
        let store = scratch.path + "/ca"
        #expect(try Self.verify(store, "server", ["-purpose", "sslserver", "-verify_hostname", "api.lab.test"]).status == 0)
        #expect(try Self.verify(store, "server", ["-purpose", "sslserver", "-verify_ip", "127.0.0.1"]).status == 0)

        // pkilab will not issue outside the constraints…
        try scratch.write("outside.yaml", lab.replacingOccurrences(of: "api.lab.test", with: "api.example.com"))
        let refused = try Pkilab.run(["issue", "--lab", "outside.yaml", "--dir", "outside-ca"], in: scratch.path)
        #expect(refused.status == 65 && refused.stderr.contains("outside the name constraints"), "\(refused)")
        #expect(!scratch.exists("outside-ca"))

        // …and OpenSSL agrees that such a certificate, forged with the authority's key, is invalid.
        try scratch.write("ext.cnf", "subjectAltName=DNS:api.example.com\nextendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\n")
        _ = try Run.program("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "forged.key",
                                        "-subj", "/CN=api.example.com", "-out", "forged.csr"], cwd: scratch.path)
        let sign = try Run.program("openssl", ["x509", "-req", "-in", "forged.csr", "-CA", "ca/authorities/issuing/cert.pem", "-CAkey",
                                               "ca/authorities/issuing/key.pem", "-CAcreateserial", "-days", "30", "-extfile", "ext.cnf", "-out", "forged.pem"], cwd: scratch.path)
        #expect(sign.status == 0, "\(sign)")
        let forged = try Run.program("openssl", ["verify", "-CAfile", "ca/root.pem", "-untrusted", "ca/authorities/issuing/cert.pem", "forged.pem"], cwd: scratch.path)
        #expect(forged.status != 0 && (forged.stdout + forged.stderr).contains("permitted subtree violation"), "\(forged)")
        let ours = try Pkilab.run(["verify", "forged.pem", "--json"], in: scratch.path)
        #expect(ours.status == 1 && ours.stdout.contains("name_constraint_violation"), "\(ours)")
    }
}
