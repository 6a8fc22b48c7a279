import Foundation
import Testing
import X509
@testable import PKILab

@Suite("The C and Arduino credential header: its arrays are the DER files, its strings the PEM files")
struct CHeaderTests {
    /// The export material of `name` in a freshly issued lab (`text`), with the store's own files beside it.
    static func withMaterial(_ text: String = TestLab.text(), name: String = "device-001",
                             _ body: (ExportMaterial, LabStore) throws -> Void) async throws {
        try await TestLab.withStore(text) { lab, store, _ in
            try body(try ExportMaterial(store: store, lab: lab, name: name), store)
        }
    }

    static func file(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    @Test("EC device under an intermediate: each DER array equals the store's certificate, chain, root and SEC1 key, byte for byte")
    func arraysAreTheDER() async throws {
        try await Self.withMaterial { material, store in
            let text = CHeader.text(material, arduino: false)
            let folder = store.directory.folder(forCertificate: "device-001")
            let leaf = try #require(ExportParsing.derBlocks(try Self.file(folder + "/cert.pem")).first)
            let chain = ExportParsing.derBlocks(try Self.file(folder + "/chain.pem"))
            let root = try #require(ExportParsing.derBlocks(try Self.file(store.directory.rootBundle)).first)
            let keyPEM = try Self.file(folder + "/key.pem")

            #expect(ExportParsing.array("lab_cert_der", in: text) == leaf)
            #expect(ExportParsing.array("lab_chain_der", in: text) == chain.flatMap { $0 })
            #expect(chain.count == 1, "the issuing authority, without the root")
            #expect(ExportParsing.array("lab_ca_der", in: text) == root)
            let key = try #require(ExportParsing.array("lab_key_der", in: text))
            #expect(key == (try PrivateKeyForms(pem: keyPEM, algorithm: .ecP256).traditionalDER))
            #expect(key.starts(with: [0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20]), "SEC1 ECPrivateKey: version 1, a 32-byte scalar")
            for (name, bytes) in [("lab_cert_der", leaf), ("lab_ca_der", root), ("lab_key_der", key), ("lab_chain_der", chain.flatMap { $0 })] {
                #expect(ExportParsing.length(name, in: text) == bytes.count, "\(name)_len")
            }
            #expect(text.contains("the key DER is SEC1."))
        }
    }

    @Test("the PEM strings are the root, the certificate with its chain, and the traditional key; the macros name the identity and ports")
    func stringsAndMacros() async throws {
        try await Self.withMaterial { material, store in
            let text = CHeader.text(material, arduino: false)
            let folder = store.directory.folder(forCertificate: "device-001")
            #expect(ExportParsing.string("lab_ca_pem", in: text) == (try Self.file(store.directory.rootBundle)))
            #expect(ExportParsing.string("lab_cert_pem", in: text) == (try Self.file(folder + "/fullchain.pem")))
            let key = try #require(ExportParsing.string("lab_key_pem", in: text))
            #expect(key.hasPrefix("-----BEGIN EC PRIVATE KEY-----\n"))
            #expect(ExportParsing.derBlocks(key).first == (try PrivateKeyForms(pem: try Self.file(folder + "/key.pem"), algorithm: .ecP256).traditionalDER))
            for line in ["#ifndef PKILAB_LAB_CREDENTIALS_DEVICE_001_H", "#define PKILAB_LAB_CREDENTIALS_DEVICE_001_H", "#define LAB_IDENTITY \"device-001\"",
                         "#define LAB_HOST \"localhost\"", "#define LAB_MQTT_PORT \(material.mqttPort)", "#define LAB_ECHO_PORT \(material.echoPort)",
                         "#define LAB_HTTPS_PORT \(material.httpsPort)", "#define LAB_HAS_CHAIN 1", "#include <stdint.h>"] {
                #expect(text.contains(line + "\n"), "\(line)")
            }
            #expect(text.hasSuffix("#endif\n"))
            #expect(!text.contains("PROGMEM"), "the plain C header has no Arduino attributes")
            let caComment = "// The lab's root (\(try Self.file(store.directory.rootBundle).utf8.count + 1) bytes with the NUL)."
            #expect(text.contains(caComment), "the size comment counts the NUL")
        }
    }

    @Test("arduino: the same arrays in PROGMEM, pgmspace.h for ARDUINO only; secrets.h in the AWS IoT layout")
    func arduino() async throws {
        try await Self.withMaterial { material, _ in
            let plain = CHeader.text(material, arduino: false)
            let text = CHeader.text(material, arduino: true)
            #expect(text.contains("#if defined(ARDUINO)\n#include <pgmspace.h>\n#else\n#define PROGMEM\n#endif\n"))
            for name in ["lab_ca_der", "lab_cert_der", "lab_chain_der", "lab_key_der"] {
                #expect(text.contains("static const uint8_t \(name)[] LAB_UNUSED PROGMEM = {"), "\(name)")
                #expect(ExportParsing.array(name, in: text) == ExportParsing.array(name, in: plain), "\(name)")
            }
            #expect(text.contains("static const char lab_key_pem[] LAB_UNUSED PROGMEM ="))
            let secrets = CHeader.awsSecrets(material)
            #expect(secrets.contains("#define THINGNAME \"device-001\"\n"))
            #expect(secrets.contains("const char AWS_IOT_ENDPOINT[] = \"localhost\";"))
            #expect(secrets.contains("const int AWS_IOT_PORT = \(material.mqttPort);"))
            #expect(secrets.contains("static const char AWS_CERT_PRIVATE[] PROGMEM = R\"KEY(\n-----BEGIN EC PRIVATE KEY-----\n"))
            #expect(secrets.contains("static const char AWS_CERT_CA[] PROGMEM = R\"EOF(\n\(material.rootPEM))EOF\";"))
        }
    }

    @Test("a certificate issued by the root itself: no chain array, LAB_HAS_CHAIN 0; an Ed25519 key is PKCS#8 DER")
    func noIntermediateEd25519() async throws {
        let lab = """
            lab: flat
            defaults: { key: ed25519 }
            authorities:
              root: { subject: { CN: Flat Root } }
            certificates:
              server: { role: server, names: [localhost] }
              sensor.v2: { role: client }
            """
        try await Self.withMaterial(lab, name: "sensor.v2") { material, store in
            let text = CHeader.text(material, arduino: false)
            #expect(text.contains("#define LAB_HAS_CHAIN 0\n"))
            #expect(ExportParsing.array("lab_chain_der", in: text) == nil)
            #expect(text.contains("#ifndef PKILAB_LAB_CREDENTIALS_SENSOR_V2_H\n"), "the guard is a C identifier")
            let key = try #require(ExportParsing.array("lab_key_der", in: text))
            #expect(key == material.key.pkcs8DER && key.count == 48, "Ed25519 has no traditional form: PKCS#8, 48 bytes")
            #expect(text.contains("the key DER is PKCS#8."))
            #expect(ExportParsing.string("lab_key_pem", in: text)?.hasPrefix("-----BEGIN PRIVATE KEY-----\n") == true)
            let leaf = ExportParsing.derBlocks(try Self.file(store.directory.folder(forCertificate: "sensor.v2") + "/cert.pem")).first
            #expect(ExportParsing.array("lab_cert_der", in: text) == leaf)
        }
    }
}
