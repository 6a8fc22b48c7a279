import Foundation
import Testing
import X509
@testable import PKILab

@Suite("Export formats: their names, and the files each one makes")
struct ExportFormatTests {
    @Test("the names on the command line and in JSON; nothing else is a format (the command lowercases first)")
    func names() throws {
        #expect(ExportFormat.allCases.map(\.rawValue) == ["pem", "der", "c", "arduino", "esp-idf", "bearssl", "p12"])
        #expect(ExportFormat(rawValue: "esp-idf") == .espIDF)
        for other in ["espIDF", "esp_idf", "PEM", "jks", "pkcs12", ""] {
            #expect(ExportFormat(rawValue: other) == nil, "\(other)")
        }
        #expect(ExportFormat(rawValue: "ESP-IDF".lowercased()) == .espIDF)
        let json = try JSONEncoder().encode([ExportFormat.espIDF, .p12])
        #expect(String(decoding: json, as: UTF8.self) == #"["esp-idf","p12"]"#)
        #expect(try JSONDecoder().decode([ExportFormat].self, from: Data(#"["bearssl","c"]"#.utf8)) == [.bearssl, .c])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([ExportFormat].self, from: Data(#"["jks"]"#.utf8)) }
        #expect(Set(ExportFormat.allCases.map(\.usedBy)).count == ExportFormat.allCases.count && ExportFormat.allCases.allSatisfy { !$0.usedBy.isEmpty })
    }

    /// `format`'s files for device-001 of a fresh lab.
    static func files(_ format: ExportFormat, options: ExportOptions = ExportOptions(), lab: String = TestLab.text()) async throws -> (files: [String: ExportFile], material: ExportMaterial) {
        try await TestLab.withStore(lab) { lab, store, _ in
            let material = try ExportMaterial(store: store, lab: lab, name: "device-001")
            let files = try Exporter.files(format, material, options: options)
            #expect(Set(files.map(\.path)).count == files.count, "no path twice")
            return (Dictionary(uniqueKeysWithValues: files.map { ($0.path, $0) }), material)
        }
    }

    @Test("pem: cert, key (PKCS#8, or traditional on request), chain, fullchain, ca; only the key is 0600")
    func pem() async throws {
        let (files, material) = try await Self.files(.pem)
        #expect(Set(files.keys) == ["cert.pem", "key.pem", "chain.pem", "fullchain.pem", "ca.pem"])
        #expect(files.values.filter { $0.mode == 0o600 }.map(\.path) == ["key.pem"])
        #expect(files["key.pem"]?.bytes == Array(material.key.pkcs8PEM.utf8))
        #expect(ExportParsing.derBlocks(String(decoding: files["fullchain.pem"]?.bytes ?? [], as: UTF8.self)) == [material.leaf.der] + material.intermediates.map(\.der))
        #expect(ExportParsing.derBlocks(String(decoding: files["ca.pem"]?.bytes ?? [], as: UTF8.self)) == [material.root.der])
        var traditional = ExportOptions()
        traditional.traditional = true
        let (again, _) = try await Self.files(.pem, options: traditional)
        let key = String(decoding: again["key.pem"]?.bytes ?? [], as: UTF8.self)
        #expect(key.hasPrefix("-----BEGIN EC PRIVATE KEY-----\n"), "\(key)")
    }

    @Test("der: the certificate, SEC1 key (PKCS#8 on request), root and concatenated chain, as DER")
    func der() async throws {
        let (files, material) = try await Self.files(.der)
        #expect(Set(files.keys) == ["cert.der", "private.der", "ca.der", "chain.der"])
        #expect(files["cert.der"]?.bytes == material.leaf.der && files["ca.der"]?.bytes == material.root.der)
        #expect(files["chain.der"]?.bytes == material.intermediates.flatMap(\.der))
        #expect(files["private.der"]?.bytes == material.key.traditionalDER && files["private.der"]?.mode == 0o600)
        var pkcs8 = ExportOptions()
        pkcs8.pkcs8 = true
        let (again, other) = try await Self.files(.der, options: pkcs8)
        #expect(again["private.der"]?.bytes == other.key.pkcs8DER && other.key.pkcs8DER != other.key.traditionalDER)
        #expect(again["private.der"]?.about.contains("PKCS#8") == true)
    }

    @Test("esp-idf: the bundle in the layout asked for holds the root; bearssl: the root as TA0; c: the header; p12 needs a password")
    func others() async throws {
        var legacy = ExportOptions()
        legacy.bundleLayout = .legacy
        let (esp, material) = try await Self.files(.espIDF, options: legacy)
        #expect(Set(esp.keys) == ["server_certs/ca_cert.pem", "main/certs/client.crt", "main/certs/client.key", "x509_crt_bundle.bin",
                                  "CMakeLists.snippet.txt", "sdkconfig.defaults.snippet", "main/lab_client.c.snippet"])
        let bundle = try #require(esp["x509_crt_bundle.bin"]?.bytes)
        let (subject, spki) = try ExportParsing.subjectAndKey(ofCertificate: material.root.der)
        #expect(bundle == [0, 1, UInt8(subject.count >> 8), UInt8(subject.count & 0xFF), UInt8(spki.count >> 8), UInt8(spki.count & 0xFF)] + subject + spki)
        #expect(esp["main/certs/client.key"]?.mode == 0o600)

        let (bearssl, bearsslMaterial) = try await Self.files(.bearssl)
        let header = String(decoding: bearssl["trust_anchors.h"]?.bytes ?? [], as: UTF8.self)
        #expect(ExportParsing.array("TA0_DN", in: header) == (try ExportParsing.subjectAndKey(ofCertificate: bearsslMaterial.root.der).subject))

        let (c, cMaterial) = try await Self.files(.c)
        let text = String(decoding: c["lab_credentials.h"]?.bytes ?? [], as: UTF8.self)
        #expect(ExportParsing.array("lab_cert_der", in: text) == cMaterial.leaf.der && c["lab_credentials.h"]?.mode == 0o600)
        let (arduino, _) = try await Self.files(.arduino)
        #expect(Set(arduino.keys) == ["lab_credentials.h", "secrets.h"])

        await #expect(throws: StoreError.self) { _ = try await Self.files(.p12) }
    }
}
