import Foundation

/// A throw-away home and profile for one browser: `HOME/.pki/nssdb` (the NSS database Chromium on Linux reads its
/// extra trust anchors and client certificates from) and `profile/Default/Preferences`.
struct ChromiumProfile {
    /// The temporary folder holding both; removing it removes everything.
    let folder: String
    var home: String { folder + "/home" }
    var userDataDir: String { folder + "/profile" }
    var database: String { "sql:" + home + "/.pki/nssdb" }

    /// Creates the folder, an empty NSS database (no password) with `trustedRoots` (PEM, trusted to identify web
    /// sites: `certutil -A -t "C,,"`) and `clientCertificates` (PKCS#12, `pk12util -i`), and a Preferences file that
    /// auto-selects a client certificate for each of `autoSelectCertificateFor`.
    init(trustedRoots: [String], clientCertificates: [(path: String, password: String)], autoSelectCertificateFor: [String]) throws {
        folder = NSTemporaryDirectory() + "pkilab-chromium-\(UUID().uuidString.prefix(8))"
        let manager = FileManager.default
        try manager.createDirectory(atPath: home + "/.pki/nssdb", withIntermediateDirectories: true)
        try manager.createDirectory(atPath: userDataDir + "/Default", withIntermediateDirectories: true)
        do {
            try Self.tool("certutil", ["-N", "-d", database, "--empty-password"])
            for (index, root) in trustedRoots.enumerated() {
                try Self.tool("certutil", ["-A", "-d", database, "-n", "pkilab-root-\(index + 1)", "-t", "C,,", "-i", root])
            }
            for (index, identity) in clientCertificates.enumerated() {
                // The password from a 0600 file, not the command line (-W would show it in the process list).
                let passwordFile = folder + "/p12-password-\(index)"
                try identity.password.write(toFile: passwordFile, atomically: true, encoding: .utf8)
                try manager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: passwordFile)
                defer { try? manager.removeItem(atPath: passwordFile) }
                try Self.tool("pk12util", ["-i", identity.path, "-d", database, "-w", passwordFile])
            }
            try Self.preferences(autoSelectCertificateFor: autoSelectCertificateFor).write(to: URL(fileURLWithPath: userDataDir + "/Default/Preferences"))
        } catch {
            try? manager.removeItem(atPath: folder)
            throw error
        }
    }

    /// The profile's Preferences: the `auto_select_certificate` content setting (what the AutoSelectCertificateForUrls
    /// policy sets) with, for each pattern, one empty filter, which any certificate in the database matches; plus
    /// the settings that keep a fresh profile quiet (no password or translate bubbles, no crash-restore page).
    static func preferences(autoSelectCertificateFor patterns: [String]) throws -> Data {
        var exceptions: [String: Any] = [:]
        for pattern in patterns {
            // Content settings are keyed "primary,secondary": the site, and any embedder.
            exceptions["\(pattern),*"] = ["setting": ["filters": [[String: Any]()]]]
        }
        let preferences: [String: Any] = [
            "profile": [
                "content_settings": ["exceptions": ["auto_select_certificate": exceptions]],
                "exit_type": "Normal",
                "exited_cleanly": true,
                "password_manager_enabled": false,
            ],
            "credentials_enable_service": false,
            "translate": ["enabled": false],
        ]
        return try JSONSerialization.data(withJSONObject: preferences, options: [.sortedKeys])
    }

    /// Runs an NSS tool (certutil, pk12util) with a 30 s deadline; throws with its output when it fails.
    private static func tool(_ name: String, _ arguments: [String]) throws {
        guard Run.available(name) else {
            throw ChromiumError("\(name) is not installed: apt-get install libnss3-tools (scripts/test installs it)")
        }
        let result = try Run.program(name, arguments, timeout: 30)
        guard result.status == 0, !result.timedOut else {
            throw ChromiumError("\(name) \(arguments.joined(separator: " ")) failed: \(result)")
        }
    }

    /// Removes the folder and everything in it.
    func remove() {
        try? FileManager.default.removeItem(atPath: folder)
    }
}

/// Files tests leave behind on purpose (screenshots), for a person or CI to look at after the run.
public enum Artefacts {
    /// `$PKILAB_ARTEFACTS/name`, or `<package>/.build/artefacts/name` when that variable is unset; created if missing.
    public static func directory(_ name: String) -> String {
        let environment = ProcessInfo.processInfo.environment["PKILAB_ARTEFACTS"] ?? ""
        let base = environment.isEmpty ? Pkilab.repository + "/.build/artefacts" : environment
        let path = base + "/" + name
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
