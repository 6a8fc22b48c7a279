import Foundation
import Testing
import X509
@testable import PKILab

/// Writing an export: the manifest of what pkilab wrote, the refusal to overwrite anything else, the README's serial.
@Suite("Export writing: never over a file pkilab did not write; the README's serial as openssl prints it")
struct ExportWriteTests {
    @Test("a user's secrets.h and README.txt are refused (nothing written); --force overwrites; a re-export is unchanged; an edited file is refused again")
    func manifest() async throws {
        try await TestLab.withStore { lab, store, folder in
            let material = try ExportMaterial(store: store, lab: lab, name: "device-001")
            let files = try Exporter.files(.arduino, material, options: ExportOptions())
            let out = folder + "/firmware"
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            try Data("#define MY_WIFI \"home\"\n".utf8).write(to: URL(fileURLWithPath: out + "/secrets.h"))
            try Data("my project\n".utf8).write(to: URL(fileURLWithPath: out + "/README.txt"))
            do {
                try Exporter.write(files, format: .arduino, material: material, options: ExportOptions(), to: out)
                Issue.record("the user's files were overwritten")
            } catch let error as ExportWriteError {
                guard case .refused(let refusal) = error else { Issue.record("\(error)"); return }
                #expect(refusal.files.sorted() == ["README.txt", "secrets.h"])
                #expect(refusal.hint.contains("--force"))
            }
            #expect(FileManager.default.contents(atPath: out + "/secrets.h") == Data("#define MY_WIFI \"home\"\n".utf8))
            #expect(!FileManager.default.fileExists(atPath: out + "/lab_credentials.h"), "nothing at all was written")
            let forced = try Exporter.write(files, format: .arduino, material: material, options: ExportOptions(), to: out, force: true)
            #expect(Set(forced.map(\.path)) == ["lab_credentials.h", "secrets.h", "README.txt"])
            let manifest = try #require(ExportManifest.read(folder: out))
            #expect(Set(manifest.files.keys) == ["lab_credentials.h", "secrets.h", "README.txt"])
            let again = try Exporter.write(files, format: .arduino, material: material, options: ExportOptions(), to: out)
            #expect(again.isEmpty, "unchanged files are left alone")
            try Data("edited\n".utf8).write(to: URL(fileURLWithPath: out + "/secrets.h"))
            var other = material
            other.mqttPort = 1884
            do {
                try Exporter.write(try Exporter.files(.arduino, other, options: ExportOptions()), format: .arduino, material: other, options: ExportOptions(), to: out)
                Issue.record("an edited secrets.h was overwritten")
            } catch let error as ExportWriteError {
                guard case .refused(let refusal) = error else { Issue.record("\(error)"); return }
                #expect(refusal.files == ["secrets.h"])
            }
            // pkilab's own earlier file (lab_credentials.h) would have been replaced: only the edit stops it.
            #expect(FileManager.default.contents(atPath: out + "/secrets.h") == Data("edited\n".utf8))
        }
    }

    @Test("the serial: two upper-case hex digits per byte, colon-separated, leading zeros kept, no DER sign byte", arguments: [
        ([0x51, 0x3C, 0x0B, 0x4A, 0x00, 0x07] as [UInt8], "51:3C:0B:4A:00:07"),
        ([0x00, 0xBC, 0x01] as [UInt8], "BC:01"),
        ([0x05] as [UInt8], "05"),
    ])
    func serial(bytes: [UInt8], text: String) {
        #expect(Exporter.serialText(Certificate.SerialNumber(bytes: ArraySlice(bytes))) == text)
    }
}
