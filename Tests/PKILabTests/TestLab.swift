import Foundation
import PKILab

/// Labs and temporary stores built in code for the tests.
enum TestLab {
    /// Parses lab text with `auto` fixed, so tests do not depend on this machine's addresses.
    static func parse(_ text: String, file: String = "lab.yaml", folder: String = FileManager.default.currentDirectoryPath) throws -> Lab {
        try LabFileReader(displayName: file, folder: folder, autoNames: { ["testhost", "localhost", "127.0.0.1", "::1", "10.1.2.3"] }).parse(text)
    }

    /// A lab whose every key is `key`.
    static func text(key: String = "ec-p256", extra: String = "") -> String {
        """
        lab: test
        defaults: { key: \(key) }
        authorities:
          root: { subject: { CN: Test Root, O: pkilab tests }, validity: 20y }
          issuing: { parent: root, subject: { CN: Test Issuing }, validity: 10y, path_len: 0 }
        certificates:
          server: { issuer: issuing, role: server, names: [localhost, "*.lab.test", 127.0.0.1, "::1"] }
          device-001: { issuer: issuing, role: client }
        \(extra)
        """
    }

    /// A fresh empty folder, removed when `body` returns.
    static func withTemporaryFolder<T>(_ body: (String) async throws -> T) async rethrows -> T {
        let path = NSTemporaryDirectory() + "pkilab-test-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await body(path)
    }

    /// `text` parsed and applied to a fresh store in a temporary folder (`folder/ca`), removed when `body` returns.
    static func withStore<T>(_ text: String = TestLab.text(), _ body: (Lab, LabStore, String) async throws -> T) async throws -> T {
        try await withTemporaryFolder { folder in
            let lab = try parse(text)
            let store = LabStore(path: folder + "/ca")
            _ = try store.apply(lab)
            return try await body(lab, store, folder)
        }
    }

    /// The bytes of every file below `folder`, by relative path (for byte-identical comparisons).
    static func snapshot(_ folder: String) -> [String: Data] {
        var result: [String: Data] = [:]
        for case let relative as String in FileManager.default.enumerator(atPath: folder)! {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: "\(folder)/\(relative)", isDirectory: &isDirectory)
            if !isDirectory.boolValue { result[relative] = FileManager.default.contents(atPath: "\(folder)/\(relative)") }
        }
        return result
    }
}
