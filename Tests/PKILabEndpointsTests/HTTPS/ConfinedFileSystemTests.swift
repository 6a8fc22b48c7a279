import Foundation
import PKILab
import Testing
@testable import PKILabEndpoints

@Suite("The files folder: where files: points, and that it stays apart from the store")
struct ConfinedFileSystemTests {
    @Test("files: is taken relative to the lab file's folder and standardised", arguments: [
        ("firmware", "/lab", "/lab/firmware"), ("./fw/", "/lab", "/lab/fw"), ("/srv/fw/../img", "/lab", "/srv/img"), ("../shared", "/labs/a", "/labs/shared"),
    ])
    func absolute(files: String, labFolder: String, expected: String) {
        #expect(ConfinedFileSystem.absolute(files, in: labFolder) == expected)
    }

    @Test("a folder that is, holds or lies in the store is refused (a link to it too); a folder beside it is fine")
    func apart() throws {
        let folder = NSTemporaryDirectory() + "pkilab-apart-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = folder + "/ca"
        for path in [store + "/certs", folder + "/firmware"] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        try FileManager.default.createSymbolicLink(atPath: folder + "/link", withDestinationPath: "ca")
        let spec = EndpointSpec(kind: .https, port: 0, certificate: "server", trust: ["root"])
        #expect(throws: Never.self) { try ConfinedFileSystem.checkApart(folder + "/firmware", from: store, spec: spec, labFile: "lab.yaml") }
        for (files, words) in [(folder, "holds the store"), (store, "holds the store"), (store + "/certs", "lies inside the store"), (folder + "/link", "holds the store")] {
            do {
                try ConfinedFileSystem.checkApart(files, from: store, spec: spec, labFile: "lab.yaml")
                Issue.record("\(files) was let through")
            } catch {
                #expect(error.description.contains(words), "\(files): \(error.description)")
                #expect(error.description.contains("endpoints.https.files"), "the message names the key: \(error.description)")
            }
        }
    }
}
