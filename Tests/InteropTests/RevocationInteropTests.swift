import Foundation
import PKILabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A lab with every endpoint, for revocation: the echo, HTTPS and the broker check the CRL, the crl endpoint serves it.
private let revocationLab = Scratch.lab(extra: """
      device-002: { issuer: issuing, role: client }
    """)

@Suite("Revocation: pkilab revoke, CRLs read by openssl, Mosquitto and curl, and the lab's endpoints refusing without a restart",
       .serialized, .timeLimit(.minutes(3)))
struct RevocationInteropTests {
    @Test("openssl reads the signed CRL (number, next update, reason) and verify -crl_check refuses only the revoked device; every certificate names its CRL")
    func openssl() throws {
        let scratch = try Scratch(lab: revocationLab)
        defer { scratch.remove() }
        #expect(try Pkilab.run(["issue"], in: scratch.path).status == 0)
        let distribution = try Run.program("openssl", ["x509", "-in", "ca/certs/device-001/cert.pem", "-noout", "-ext", "crlDistributionPoints"], cwd: scratch.path)
        #expect(distribution.stdout.contains("URI:http://localhost:8480/crl/issuing.crl"), "\(distribution)")
        let intermediate = try Run.program("openssl", ["x509", "-in", "ca/authorities/issuing/cert.pem", "-noout", "-ext", "crlDistributionPoints"], cwd: scratch.path)
        #expect(intermediate.stdout.contains("URI:http://localhost:8480/crl/root.crl"), "\(intermediate)")

        let revoke = try Pkilab.run(["revoke", "device-001", "--reason", "keyCompromise"], in: scratch.path)
        #expect(revoke.status == 0 && revoke.stdout.contains("CRL number 2 lists it"), "\(revoke)")
        let serial = try Run.program("openssl", ["x509", "-in", "ca/certs/device-001/cert.pem", "-noout", "-serial"], cwd: scratch.path)
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "serial=", with: "")
        let text = try Run.program("openssl", ["crl", "-in", "ca/crl/issuing.crl", "-inform", "DER", "-CAfile", "ca/authorities/issuing/cert.pem",
                                               "-noout", "-text"], cwd: scratch.path)
        #expect(text.stderr.contains("verify OK"), "the issuing authority's key signed it: \(text)")
        for expected in ["Version 2", "X509v3 CRL Number: \n                2", "Next Update:", "Serial Number: \(serial)", "Key Compromise",
                         "Issuer: CN = CLI Test Issuing"] {
            #expect(text.stdout.contains(expected), "\(expected) in \(text.stdout)")
        }
        let pem = try Run.program("openssl", ["crl", "-in", "ca/crl/issuing.crl.pem", "-noout", "-crlnumber"], cwd: scratch.path)
        #expect(pem.stdout.contains("crlNumber=0x02") || pem.stdout.contains("crlNumber=02"), "\(pem)")

        func verify(_ name: String) throws -> RunResult {
            try Run.program("openssl", ["verify", "-crl_check", "-CRLfile", "ca/crl/all.pem", "-CAfile", "ca/root.pem",
                                        "-untrusted", "ca/certs/\(name)/chain.pem", "ca/certs/\(name)/cert.pem"], cwd: scratch.path)
        }
        let revoked = try verify("device-001")
        #expect(revoked.status != 0 && (revoked.stdout + revoked.stderr).contains("certificate revoked"), "\(revoked)")
        #expect(try verify("device-002").status == 0)
        let ours = try Pkilab.run(["verify", "device-001"], in: scratch.path)
        #expect(ours.status == 1 && ours.stdout.contains("revoked on"), "pkilab verify says so too: \(ours)")

        let again = try Pkilab.run(["revoke", "device-001"], in: scratch.path)
        #expect(again.status == 0 && again.stdout.contains("already revoked"), "\(again)")
        let lifted = try Pkilab.run(["unrevoke", "device-001"], in: scratch.path)
        #expect(lifted.status == 0 && lifted.stdout.contains("CRL number 3"), "\(lifted)")
        #expect(try verify("device-001").status == 0)

        let root = try Pkilab.run(["revoke", "root"], in: scratch.path)
        #expect(root.status == 64 && root.stderr.contains("is a root"), "\(root)")
        let reason = try Pkilab.run(["revoke", "device-001", "--reason", "bored"], in: scratch.path)
        #expect(reason.status == 64 && reason.stderr.contains("keyCompromise"), "\(reason)")
    }

    @Test("A running lab refuses a device revoked while it runs on its next connection (echo, HTTPS, MQTT), serves the new CRL over HTTP, answers openssl ocsp, and lets it in again after unrevoke")
    func live() throws {
        let scratch = try Scratch(lab: revocationLab)
        defer { scratch.remove() }
        let lab = try LabProcess(scratch: scratch)
        defer { lab.stop() }
        let crl = lab.ports["crl"] ?? 0
        let device: [String: Any] = ["port": lab.echoPort, "ca": "ca/root.pem", "cert": "ca/certs/device-001/fullchain.pem", "key": "ca/certs/device-001/key.pem"]
        #expect(try lab.python(device)["same"] as? Bool == true)
        let empty = try Run.program("sh", ["-c", "curl -sf http://127.0.0.1:\(crl)/crl/issuing.crl | openssl crl -inform DER -noout -text"], cwd: scratch.path)
        #expect(empty.status == 0 && empty.stdout.contains("No Revoked Certificates"), "\(empty)\n\(lab.output.string)")

        #expect(try Pkilab.run(["revoke", "device-001", "--reason", "keyCompromise"], in: scratch.path).status == 0)
        let refused = try lab.python(device)
        #expect(refused["same"] == nil && refused["error"] != nil, "\(refused)")
        let event = lab.waitForEvent { $0.endpoint == "echo" && $0.reason == "revoked" }
        #expect(event?.explanation.contains("keyCompromise") == true, "\(String(describing: event))")
        let curl = try Run.program("curl", ["-s", "--cacert", "ca/root.pem", "--cert", "ca/certs/device-001/fullchain.pem", "--key", "ca/certs/device-001/key.pem",
                                            "https://localhost:\(lab.httpsPort)/whoami"], cwd: scratch.path, timeout: 30)
        #expect(curl.status != 0, "\(curl)")
        #expect(lab.waitForEvent { $0.endpoint == "https" && $0.reason == "revoked" } != nil)
        let mqtt = try Run.program("mosquitto_pub", ["-h", "localhost", "-p", "\(lab.mqttPort)", "--cafile", "ca/root.pem", "--cert", "ca/certs/device-001/fullchain.pem",
                                                     "--key", "ca/certs/device-001/key.pem", "-t", "devices/device-001/x", "-m", "hi"], cwd: scratch.path, timeout: 30)
        #expect(mqtt.status != 0, "\(mqtt)")
        #expect(lab.waitForEvent { $0.endpoint == "mqtt" && $0.reason == "revoked" } != nil)
        let other = try lab.python(["port": lab.echoPort, "ca": "ca/root.pem", "cert": "ca/certs/device-002/fullchain.pem", "key": "ca/certs/device-002/key.pem"])
        #expect(other["same"] as? Bool == true, "device-002 is not revoked: \(other)")
        let listed = try Run.program("sh", ["-c", "curl -sf http://127.0.0.1:\(crl)/crl/issuing.crl | openssl crl -inform DER -noout -text"], cwd: scratch.path)
        #expect(listed.stdout.contains("Key Compromise"), "the crl endpoint serves the new list: \(listed)")
        let index = try Run.program("curl", ["-sf", "http://127.0.0.1:\(crl)/crl"], cwd: scratch.path)
        #expect(index.stdout.contains("/crl/issuing.crl  CRL number 2, 1 revoked"), "\(index)")
        let key = try Run.program("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(crl)/crl/..%2Fcerts%2Fdevice-001%2Fkey.pem"], cwd: scratch.path)
        #expect(key.stdout == "404", "nothing but CRLs: \(key)")

        // OCSP, as openssl asks it (a nonce, SHA-1 and SHA-256 IDs), signed by the issuing authority itself.
        func ocsp(_ certificate: String, issuer: String = "ca/authorities/issuing/cert.pem", digest: String = "-sha1") throws -> RunResult {
            try Run.program("openssl", ["ocsp", "-issuer", issuer, digest, "-cert", certificate, "-url", "http://127.0.0.1:\(crl)/ocsp",
                                        "-CAfile", "ca/root.pem"], cwd: scratch.path, timeout: 30)
        }
        let revokedAnswer = try ocsp("ca/certs/device-001/cert.pem", digest: "-sha256")
        #expect(revokedAnswer.stderr.contains("Response verify OK") && revokedAnswer.stdout.contains("cert.pem: revoked")
                && revokedAnswer.stdout.contains("Reason: keyCompromise") && !revokedAnswer.stderr.contains("nonce"), "\(revokedAnswer)")
        let goodAnswer = try ocsp("ca/certs/device-002/cert.pem")
        #expect(goodAnswer.stdout.contains("cert.pem: good"), "\(goodAnswer)")
        let intermediate = try ocsp("ca/authorities/issuing/cert.pem", issuer: "ca/root.pem")
        #expect(intermediate.stdout.contains("cert.pem: good"), "the root answers for its intermediate: \(intermediate)")
        let aia = try Run.program("openssl", ["x509", "-in", "ca/certs/device-001/cert.pem", "-noout", "-ext", "authorityInfoAccess"], cwd: scratch.path)
        #expect(aia.stdout.contains("OCSP - URI:http://localhost:8480/ocsp"), "\(aia)")

        #expect(try Pkilab.run(["unrevoke", "device-001"], in: scratch.path).status == 0)
        #expect(try Pkilab.run(["revoke", "device-002"], in: scratch.path).status == 0)
        #expect(try lab.python(device)["same"] as? Bool == true, "let in again")
        let second = try lab.python(["port": lab.echoPort, "ca": "ca/root.pem", "cert": "ca/certs/device-002/fullchain.pem", "key": "ca/certs/device-002/key.pem"])
        #expect(second["same"] == nil, "the running lab saw the list change again: \(second)")
        #expect(try ocsp("ca/certs/device-001/cert.pem").stdout.contains("cert.pem: good"))
        let head = try Run.program("curl", ["-sI", "http://127.0.0.1:\(crl)/crl/issuing.crl"], cwd: scratch.path)
        #expect(head.stdout.contains("200") && head.stdout.lowercased().contains("content-length"), "\(head)")
    }

    @Test("Mosquitto 2 with the lab's crlfile refuses the revoked device and takes the other; pkilab probe --as zoo/NAME shows it refuses every bad client")
    func mosquitto() throws {
        let executable = Run.available("mosquitto") ? "mosquitto" : "/usr/sbin/mosquitto"
        try #require(Run.available("mosquitto") || FileManager.default.isExecutableFile(atPath: executable),
                     "this test runs the Mosquitto broker: scripts/test installs it (apt-get install mosquitto)")
        let scratch = try Scratch(lab: revocationLab)
        defer { scratch.remove() }
        #expect(try Pkilab.run(["issue"], in: scratch.path).status == 0)
        #expect(try Pkilab.run(["revoke", "device-001", "--reason", "keyCompromise"], in: scratch.path).status == 0)
        // Mosquitto reads its crlfile at start: the zoo (whose revoked client is on the list) first.
        #expect(try Pkilab.run(["zoo"], in: scratch.path).status == 0)
        let port = try freePort()
        try scratch.write("mosquitto.conf", mosquittoConfiguration(port: port, store: scratch.path + "/ca", crl: scratch.path + "/ca/crl/all.pem"))
        let broker = Process()
        broker.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        broker.arguments = [executable, "-c", scratch.path + "/mosquitto.conf"]
        broker.standardOutput = FileHandle.nullDevice
        broker.standardError = FileHandle.nullDevice
        try broker.run()
        defer { kill(broker.processIdentifier, SIGKILL); broker.waitUntilExit() }
        func publish(_ name: String) throws -> RunResult {
            try Run.program("mosquitto_pub", ["-h", "localhost", "-p", "\(port)", "--cafile", "ca/root.pem", "--cert", "ca/certs/\(name)/fullchain.pem",
                                              "--key", "ca/certs/\(name)/key.pem", "-t", "t", "-m", "hi"], cwd: scratch.path, timeout: 30)
        }
        var accepted = try publish("device-002")
        for _ in 0..<50 where accepted.status != 0 {
            usleep(100_000)
            accepted = try publish("device-002")
        }
        #expect(accepted.status == 0, "\(accepted)")
        let refused = try publish("device-001")
        #expect(refused.status != 0, "Mosquitto's OpenSSL checked the CRL: \(refused)")
        // The zoo's bad clients against a broker that is not pkilab's, as a CI job would run them.
        for client in ["expired", "not-yet-valid", "foreign-ca", "self-signed", "server-only-eku", "revoked", "weak-key"] {
            let probe = try Pkilab.run(["probe", "mqtts://localhost:\(port)", "--as", "zoo/\(client)", "--expect", "reject"], in: scratch.path, timeout: 60)
            #expect(probe.status == 0, "Mosquitto refuses zoo/\(client): \(probe)")
        }
        let good = try Pkilab.run(["probe", "mqtts://localhost:\(port)", "--as", "device-002"], in: scratch.path, timeout: 60)
        #expect(good.status == 0, "\(good)")
    }
}

/// A Mosquitto 2 listener on 127.0.0.1:`port` with the lab's server certificate, requiring a client certificate under the
/// lab's root and checking `crl` (OpenSSL's own verification: what a device meets in production).
func mosquittoConfiguration(port: Int, store: String, crl: String) -> String {
    """
    listener \(port) 127.0.0.1
    cafile \(store)/root.pem
    certfile \(store)/certs/server/fullchain.pem
    keyfile \(store)/certs/server/key.pem
    require_certificate true
    crlfile \(crl)
    allow_anonymous true
    \(geteuid() == 0 ? "user root" : "")

    """
}

/// A TCP port nobody listens on right now.
func freePort() throws -> Int {
    let result = try Run.program("python3", ["-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"])
    return Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
}
