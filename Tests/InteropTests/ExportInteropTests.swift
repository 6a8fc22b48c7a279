import Foundation
import PKILabTestSupport
import Testing

/// Exports of an EC and an RSA identity, checked with tools nobody here wrote: openssl, gcc, and a Python reader
/// written from ESP-IDF's documented bundle layout.
@Suite("pkilab export: firmware-ready files checked by openssl, gcc and the bundle layout", .serialized, .timeLimit(.minutes(3)))
struct ExportInteropTests {
    static func lab() throws -> Scratch { try Scratch.exportLab() }

    func export(_ scratch: Scratch, _ arguments: [String]) throws -> RunResult {
        let result = try Pkilab.run(["export"] + arguments, in: scratch.path)
        #expect(result.status == 0, "\(result)")
        return result
    }

    func openssl(_ scratch: Scratch, _ arguments: [String]) throws -> RunResult {
        try Run.program("openssl", arguments, cwd: scratch.path, timeout: 30)
    }

    @Test("pem and der: what openssl reads back, with SEC1 / PKCS#1 keys by default and PKCS#8 on request", arguments: ["device-001", "rsa-device"])
    func pemAndDER(identity: String) throws {
        let scratch = try Self.lab()
        defer { scratch.remove() }
        _ = try export(scratch, [identity, "--format", "pem"])
        _ = try export(scratch, [identity, "--format", "der"])
        let pem = "ca/exports/\(identity)/pem", der = "ca/exports/\(identity)/der"
        let verify = try openssl(scratch, ["verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", "\(pem)/ca.pem", "-untrusted", "\(pem)/chain.pem", "\(pem)/cert.pem"])
        #expect(verify.status == 0 && verify.stdout.contains(": OK"), "\(verify)")
        #expect(try openssl(scratch, ["x509", "-inform", "DER", "-in", "\(der)/cert.der", "-noout"]).status == 0)
        #expect(try openssl(scratch, ["x509", "-inform", "DER", "-in", "\(der)/ca.der", "-noout"]).status == 0)
        let rsa = identity == "rsa-device"
        let check = try openssl(scratch, [rsa ? "rsa" : "ec", "-inform", "DER", "-in", "\(der)/private.der", "-check", "-noout"])
        #expect(check.status == 0, "\(check)")
        // SEC1 starts INTEGER 1 then OCTET STRING; PKCS#1 starts INTEGER 0 then the modulus; PKCS#8 has an AlgorithmIdentifier.
        let structure = try openssl(scratch, ["asn1parse", "-inform", "DER", "-in", "\(der)/private.der"])
        #expect(!structure.stdout.contains("OBJECT            :id-ecPublicKey") || !rsa)
        #expect(structure.stdout.contains(rsa ? "INTEGER           :00" : "INTEGER           :01"), "\(structure.stdout)")
        #expect(!structure.stdout.contains("rsaEncryption"), "PKCS#1, not PKCS#8")
        // The key matches the certificate.
        let certKey = try openssl(scratch, ["x509", "-in", "\(pem)/cert.pem", "-noout", "-pubkey"]).stdout
        let derKey = try openssl(scratch, ["pkey", "-inform", "DER", "-in", "\(der)/private.der", "-pubout"]).stdout
        #expect(certKey == derKey && !certKey.isEmpty)
        let mode = try FileManager.default.attributesOfItem(atPath: scratch.path + "/\(der)/private.der")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // On request: PKCS#8 DER and a traditional PEM.
        _ = try export(scratch, [identity, "--format", "der", "--pkcs8", "--out", "p8"])
        #expect(try openssl(scratch, ["asn1parse", "-inform", "DER", "-in", "p8/private.der"]).stdout.contains(rsa ? "rsaEncryption" : "id-ecPublicKey"))
        _ = try export(scratch, [identity, "--format", "pem", "--traditional", "--out", "trad"])
        #expect(scratch.read("trad/key.pem")?.hasPrefix(rsa ? "-----BEGIN RSA PRIVATE KEY-----" : "-----BEGIN EC PRIVATE KEY-----") == true)
    }

    @Test("c and arduino: the header compiles with gcc -Wall -Wextra -Werror and its arrays are the DER files, byte for byte")
    func cHeader() throws {
        let scratch = try Self.lab()
        defer { scratch.remove() }
        _ = try export(scratch, ["device-001", "--format", "c"])
        _ = try export(scratch, ["device-001", "--format", "der"])
        _ = try export(scratch, ["device-001", "--format", "arduino"])
        try scratch.write("dump.c", """
            #include <stdio.h>
            #include <string.h>
            #include "lab_credentials.h"
            static int dump(const char *path, const uint8_t *bytes, size_t length) {
                FILE *file = fopen(path, "wb");
                if (!file || fwrite(bytes, 1, length, file) != length) return 1;
                return fclose(file);
            }
            int main(void) {
                /* PEM strings are NUL-terminated and start as PEM does. */
                if (lab_ca_pem[sizeof lab_ca_pem - 1] != 0 || strncmp(lab_key_pem, "-----BEGIN EC PRIVATE KEY-----\\n", 31) != 0) return 2;
                printf("%s %d %zu\\n", LAB_HOST, LAB_MQTT_PORT, sizeof lab_cert_pem);
                return dump("ca.out", lab_ca_der, lab_ca_der_len) | dump("cert.out", lab_cert_der, lab_cert_der_len)
                    | dump("key.out", lab_key_der, lab_key_der_len) | dump("chain.out", lab_chain_der, lab_chain_der_len);
            }
            """)
        let build = try Run.program("gcc", ["-Wall", "-Wextra", "-Werror", "-I", "ca/exports/device-001/c", "dump.c", "-o", "dump"], cwd: scratch.path, timeout: 60)
        #expect(build.status == 0, "\(build)")
        let run = try Run.program(scratch.path + "/dump", [], cwd: scratch.path, timeout: 10)
        #expect(run.status == 0 && run.stdout.hasPrefix("localhost 8883 "), "\(run)")
        for (out, file) in [("ca.out", "ca.der"), ("cert.out", "cert.der"), ("key.out", "private.der"), ("chain.out", "chain.der")] {
            #expect(FileManager.default.contents(atPath: "\(scratch.path)/\(out)") == FileManager.default.contents(atPath: "\(scratch.path)/ca/exports/device-001/der/\(file)"), "\(out)")
        }
        let arduino = try Run.program("gcc", ["-Wall", "-Wextra", "-Werror", "-fsyntax-only", "-include", "ca/exports/device-001/arduino/lab_credentials.h", "-x", "c", "/dev/null"],
                                      cwd: scratch.path, timeout: 60)
        #expect(arduino.status == 0, "\(arduino)")
        let secrets = try #require(scratch.read("ca/exports/device-001/arduino/secrets.h"))
        #expect(secrets.contains("#define THINGNAME \"device-001\"") && secrets.contains("AWS_CERT_PRIVATE[] PROGMEM = R\"KEY(\n-----BEGIN EC PRIVATE KEY-----"))
        let readme = try #require(scratch.read("ca/exports/device-001/c/README.txt"))
        #expect(readme.contains("lab_credentials.h") && readme.contains("bytes"))
    }

    @Test("esp-idf: both bundle layouts parse back by ESP-IDF's documented format and hold the root's subject and key",
          arguments: [("4.4", "legacy"), ("5.3.2", "legacy"), ("5.4", "offsets"), ("6.0", "offsets")])
    func espBundle(version: String, layout: String) throws {
        let scratch = try Self.lab()
        defer { scratch.remove() }
        _ = try export(scratch, ["device-001", "--format", "esp-idf", "--idf-version", version])
        let folder = "ca/exports/device-001/esp-idf"
        for file in ["server_certs/ca_cert.pem", "main/certs/client.crt", "main/certs/client.key", "CMakeLists.snippet.txt", "sdkconfig.defaults.snippet"] {
            #expect(scratch.exists("\(folder)/\(file)"), "\(file)")
        }
        // The reader follows components/mbedtls/esp_crt_bundle (the layout table in the README), not pkilab's code.
        let reader = """
            import struct, sys
            data = open(sys.argv[1], "rb").read()
            if sys.argv[2] == "legacy":
                (count,) = struct.unpack(">H", data[:2]); at = 2; records = []
                for _ in range(count):
                    n, k = struct.unpack(">HH", data[at:at+4]); records.append((data[at+4:at+4+n], data[at+4+n:at+4+n+k])); at += 4 + n + k
            else:
                first = struct.unpack("<L", data[:4])[0]; count = first // 4
                offsets = struct.unpack("<%dL" % count, data[:4*count]); records = []
                for offset in offsets:
                    n, k = struct.unpack("<HH", data[offset:offset+4]); records.append((data[offset+4:offset+4+n], data[offset+4+n:offset+4+n+k])); at = offset + 4 + n + k
            assert at == len(data), "trailing bytes"
            assert [r[0] for r in records] == sorted(r[0] for r in records), "not sorted"
            sys.stdout.write("%d %s %s" % (len(records), records[0][0].hex(), records[0][1].hex()))
            """
        try scratch.write("reader.py", reader)
        let parsed = try Run.program("python3", ["reader.py", "\(folder)/x509_crt_bundle.bin", layout], cwd: scratch.path, timeout: 20)
        #expect(parsed.status == 0, "\(parsed)")
        let fields = parsed.stdout.split(separator: " ").map(String.init)
        #expect(fields.first == "1")
        let subject = try openssl(scratch, ["x509", "-in", "ca/root.pem", "-noout", "-subject", "-nameopt", "RFC2253"])
        #expect(subject.status == 0)
        let spki = try Run.program("sh", ["-c", "openssl x509 -in ca/root.pem -noout -pubkey | openssl pkey -pubin -outform DER | od -An -tx1 -v | tr -d ' \\n'"],
                                   cwd: scratch.path, timeout: 20)
        #expect(fields.count == 3 && fields[2] == spki.stdout, "the key is the root's SubjectPublicKeyInfo")
        let name = try Run.program("sh", ["-c", "openssl asn1parse -in ca/root.pem -strparse 4 -noout -out /dev/stdout >/dev/null; openssl x509 -in ca/root.pem -outform DER | od -An -tx1 -v | tr -d ' \\n'"],
                                   cwd: scratch.path, timeout: 20)
        #expect(fields.count == 3 && name.stdout.contains(fields[1]), "the name is the root's subject DER, as it stands in the certificate")
    }

    @Test("bearssl: the trust anchor header compiles against BearSSL and names the root's subject")
    func bearssl() throws {
        let scratch = try Self.lab()
        defer { scratch.remove() }
        _ = try export(scratch, ["device-001", "--format", "bearssl"])
        let header = try #require(scratch.read("ca/exports/device-001/bearssl/trust_anchors.h"))
        #expect(header.contains("BR_EC_secp256r1") && header.contains("#define TAs_NUM   1"))
        try scratch.write("ta.c", """
            #include "trust_anchors.h"
            int main(void) { br_x509_minimal_context x; br_x509_minimal_init(&x, &br_sha256_vtable, TAs, TAs_NUM); return TAs[0].dn.len == 0; }
            """)
        let build = try Run.program("gcc", ["-Wall", "-Wextra", "-Werror", "-I", "ca/exports/device-001/bearssl", "ta.c", "-o", "ta", "-lbearssl"], cwd: scratch.path, timeout: 60)
        #expect(build.status == 0, "BearSSL's headers (libbearssl-dev, installed by scripts/test): \(build)")
        #expect(try Run.program(scratch.path + "/ta", [], cwd: scratch.path, timeout: 10).status == 0)
    }

    @Test("p12: modern (AES-256, SHA-256 MAC) and legacy (3DES, SHA-1 MAC), read by openssl pkcs12; a password is required")
    func p12() throws {
        let scratch = try Self.lab()
        defer { scratch.remove() }
        let missing = try Pkilab.run(["export", "device-001", "--format", "p12"], in: scratch.path)
        #expect(missing.status != 0 && missing.stderr.contains("--password"), "\(missing)")
        _ = try export(scratch, ["device-001", "--format", "p12", "--password", "s3cret"])
        _ = try export(scratch, ["rsa-device", "--format", "p12", "--password", "s3cret", "--legacy", "--out", "legacy"])
        let modern = try openssl(scratch, ["pkcs12", "-in", "ca/exports/device-001/p12/device-001.p12", "-passin", "pass:s3cret", "-info", "-noout"])
        #expect(modern.status == 0 && modern.stderr.contains("MAC: sha256") && modern.stderr.contains("AES-256-CBC"), "\(modern)")
        let legacy = try openssl(scratch, ["pkcs12", "-in", "legacy/rsa-device.p12", "-passin", "pass:s3cret", "-info", "-noout"])
        #expect(legacy.status == 0 && legacy.stderr.contains("MAC: sha1") && legacy.stderr.contains("pbeWithSHA1And3-KeyTripleDES-CBC"), "\(legacy)")
        let wrong = try openssl(scratch, ["pkcs12", "-in", "legacy/rsa-device.p12", "-passin", "pass:nope", "-info", "-noout"])
        #expect(wrong.status != 0)
        let certificate = try openssl(scratch, ["pkcs12", "-in", "ca/exports/device-001/p12/device-001.p12", "-passin", "pass:s3cret", "-nokeys", "-clcerts"])
        #expect(certificate.stdout.contains("subject=CN = device-001"), "\(certificate)")
    }

    @Test("p12: re-exporting with --legacy switched on, then off, rewrites the file in the form asked for (openssl -info reads the algorithms); the same form again is kept")
    func p12FormSwitch() throws {
        let scratch = try Self.lab()
        defer { scratch.remove() }
        let file = "ca/exports/device-001/p12/device-001.p12"
        func info() throws -> RunResult {
            try openssl(scratch, ["pkcs12", "-in", file, "-passin", "pass:s3cret", "-info", "-noout"])
        }
        _ = try export(scratch, ["device-001", "--format", "p12", "--password", "pass:s3cret"])
        let modern = try info()
        #expect(modern.status == 0 && modern.stderr.contains("MAC: sha256") && modern.stderr.contains("AES-256-CBC"), "\(modern)")
        let legacy = try export(scratch, ["device-001", "--format", "p12", "--password", "pass:s3cret", "--legacy"])
        #expect(legacy.stdout.contains("+ device-001.p12"), "it says it wrote the file: \(legacy)")
        let legacyInfo = try info()
        #expect(legacyInfo.status == 0 && legacyInfo.stderr.contains("MAC: sha1") && legacyInfo.stderr.contains("pbeWithSHA1And3-KeyTripleDES-CBC")
                && !legacyInfo.stderr.contains("AES-256-CBC"), "\(legacyInfo)")
        let kept = try export(scratch, ["device-001", "--format", "p12", "--password", "pass:s3cret", "--legacy"])
        #expect(kept.stdout.contains("is up to date"), "\(kept)")
        _ = try export(scratch, ["device-001", "--format", "p12", "--password", "pass:s3cret"])
        let back = try info()
        #expect(back.status == 0 && back.stderr.contains("MAC: sha256") && back.stderr.contains("AES-256-CBC"), "\(back)")
    }
}
