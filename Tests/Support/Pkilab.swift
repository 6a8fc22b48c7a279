import Foundation
import PKILab

/// The built `pkilab` binary and throw-away labs to run it on.
public enum Pkilab {
    /// `$PKILAB_BIN`, or the `pkilab` that `swift build`/`swift test` put beside the test bundle.
    public static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["PKILAB_BIN"], !path.isEmpty { return path }
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("pkilab").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: Pkilab.repository).appendingPathComponent(".build/debug/pkilab").path
    }()

    /// The repository's folder (for its lab.yaml, Tests/EmbeddedClients and the bad-lab fixtures): this file is
    /// Tests/Support/Pkilab.swift.
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @discardableResult
    public static func run(_ arguments: [String], in folder: String, environment: [String: String] = [:], timeout: TimeInterval = 120) throws -> RunResult {
        try Run.program(binary, arguments, cwd: folder, environment: environment, timeout: timeout)
    }
}

/// A temporary folder holding a lab file, removed at the end of the test.
public struct Scratch: Sendable {
    public let path: String

    public init(lab: String? = nil) throws {
        path = NSTemporaryDirectory() + "pkilab-cli-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        if let lab { try write("lab.yaml", lab) }
        // The starter lab's AWS IoT twin reads its policy document beside lab.yaml, as pkilab init writes it.
        if let lab, lab.contains(LabTemplate.devicePolicyPath) {
            try FileManager.default.createDirectory(atPath: "\(path)/aws", withIntermediateDirectories: true)
            try write(LabTemplate.devicePolicyPath, LabTemplate.devicePolicy + "\n")
        }
    }

    public func write(_ name: String, _ text: String) throws {
        try text.write(toFile: "\(path)/\(name)", atomically: true, encoding: .utf8)
    }

    public func read(_ name: String) -> String? {
        try? String(contentsOfFile: "\(path)/\(name)", encoding: .utf8)
    }

    public func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: "\(path)/\(name)") }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// A small lab whose every key is `key`.
    public static func lab(key: String = "ec-p256", extra: String = "") -> String {
        """
        lab: cli-test
        defaults: { key: \(key) }
        authorities:
          root: { subject: { CN: CLI Test Root, O: pkilab tests }, validity: 20y }
          issuing: { parent: root, subject: { CN: CLI Test Issuing }, validity: 10y, path_len: 0 }
        certificates:
          server: { issuer: issuing, role: server, names: [localhost, "*.lab.test", 127.0.0.1, "::1"] }
          device-001: { issuer: issuing, role: client }
        \(extra)
        """
    }
}
