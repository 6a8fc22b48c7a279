import Foundation
import Testing
import X509
@testable import PKILab

/// `extraRoots` and `otaURL` (the seam the OTA feature fills), set by hand on a lab with two roots.
@Suite("Export: extra roots and the OTA URL reach every format")
struct ExportExtraRootsTests {
    /// A lab with a second root ("OTA Store Root") beside the lab's own.
    static let lab = """
        lab: test
        defaults: { key: ec-p256 }
        authorities:
          root: { subject: { CN: Test Root, O: pkilab tests }, validity: 20y }
          issuing: { parent: root, subject: { CN: Test Issuing }, validity: 10y, path_len: 0 }
          store-root: { subject: { CN: OTA Store Root }, validity: 20y }
        certificates:
          server: { issuer: issuing, role: server, names: [localhost, 127.0.0.1] }
          device-001: { issuer: issuing, role: client }
        """

    /// Each format's files for device-001 with the second root as an extra root and an OTA URL.
    static func files(_ format: ExportFormat) async throws -> (files: [String: ExportFile], material: ExportMaterial) {
        try await TestLab.withStore(lab) { lab, store, _ in
            var material = try ExportMaterial(store: store, lab: lab, name: "device-001")
            let second = try CertificateFile.read(path: store.directory.authority("store-root").certificate)[0]
            #expect(material.root.subject.commonName == "Test Root", "the lab root is the device's issuer's root")
            material.extraRoots = [second]
            material.otaURL = "https://localhost:8443/ota/firmware.bin"
            let files = try Exporter.files(format, material, options: ExportOptions())
            return (Dictionary(uniqueKeysWithValues: files.map { ($0.path, $0) }), material)
        }
    }

    static func text(_ file: ExportFile?) -> String { String(decoding: file?.bytes ?? [], as: UTF8.self) }

    @Test("pem: ca.pem holds the lab root then the extra root; der: ca.der the lab root, ca-ota-store-root.der the other")
    func pemAndDER() async throws {
        let (pem, material) = try await Self.files(.pem)
        let roots = [material.root.der, material.extraRoots[0].der]
        #expect(ExportParsing.derBlocks(Self.text(pem["ca.pem"])) == roots)
        let (der, derMaterial) = try await Self.files(.der)
        #expect(der["ca.der"]?.bytes == derMaterial.root.der)
        #expect(der["ca-ota-store-root.der"]?.bytes == derMaterial.extraRoots[0].der, "\(der.keys.sorted())")
    }

    @Test("c and arduino: lab_ca_pem holds both roots, lab_ca_der and lab_ca2_der each one, LAB_CA_COUNT 2 and LAB_OTA_URL")
    func headers() async throws {
        for format in [ExportFormat.c, .arduino] {
            let (files, material) = try await Self.files(format)
            let header = Self.text(files["lab_credentials.h"])
            #expect(ExportParsing.derBlocks(ExportParsing.string("lab_ca_pem", in: header) ?? "") == [material.root.der, material.extraRoots[0].der])
            #expect(ExportParsing.array("lab_ca_der", in: header) == material.root.der)
            #expect(ExportParsing.array("lab_ca2_der", in: header) == material.extraRoots[0].der)
            #expect(header.contains("#define LAB_CA_COUNT 2\n"))
            #expect(header.contains("#define LAB_OTA_URL \"https://localhost:8443/ota/firmware.bin\"\n"))
            if format == .arduino {
                let secrets = Self.text(files["secrets.h"])
                #expect(ExportParsing.derBlocks(secrets).prefix(2) == [material.root.der, material.extraRoots[0].der])
            }
        }
    }

    @Test("esp-idf: ca_cert.pem and the bundle hold both roots; main/ota.c.snippet configures esp_https_ota with the URL and the client identity")
    func espIDF() async throws {
        let (files, material) = try await Self.files(.espIDF)
        #expect(ExportParsing.derBlocks(Self.text(files["server_certs/ca_cert.pem"])) == [material.root.der, material.extraRoots[0].der])
        let bundle = try #require(files["x509_crt_bundle.bin"]?.bytes)
        // v5.4 layout: u32 LE offsets, so the first offset is 4 × the count.
        #expect(bundle.count > 8 && bundle[0] == 8 && bundle[1...3] == [0, 0, 0], "two records")
        let subjects = try [material.root, material.extraRoots[0]].map { try ExportParsing.subjectAndKey(ofCertificate: $0.der).subject }
        for subject in subjects {
            #expect(bundle.firstRange(of: subject) != nil)
        }
        let ota = Self.text(files["main/ota.c.snippet"])
        for line in [".url = \"https://localhost:8443/ota/firmware.bin\"", ".cert_pem = (const char *)server_cert_pem_start",
                     ".client_cert_pem = (const char *)client_cert_pem_start", ".client_key_pem = (const char *)client_key_pem_start",
                     ".keep_alive_enable = true", "esp_https_ota_config_t ota_cfg", ".http_config = &http_cfg", "esp_https_ota(&ota_cfg)"] {
            #expect(ota.contains(line), "\(line)")
        }
    }

    @Test("bearssl: both roots are trust anchors (TAs_NUM 2); without an OTA URL esp-idf writes no ota.c.snippet")
    func bearsslAndNoURL() async throws {
        let (files, material) = try await Self.files(.bearssl)
        let anchors = Self.text(files["trust_anchors.h"])
        #expect(anchors.contains("#define TAs_NUM   2"))
        #expect(ExportParsing.array("TA1_DN", in: anchors) == (try ExportParsing.subjectAndKey(ofCertificate: material.extraRoots[0].der).subject))
        let plain = try await TestLab.withStore(Self.lab) { lab, store, _ in
            try Exporter.files(.espIDF, try ExportMaterial(store: store, lab: lab, name: "device-001"), options: ExportOptions()).map(\.path)
        }
        #expect(!plain.contains("main/ota.c.snippet"))
    }
}
