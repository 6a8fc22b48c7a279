import Foundation
import PKILabTestSupport
import Testing
import Yams

/// The CI recipes in docs/ci/ run as written: their shell lines, in a workspace laid out as the recipe says (lab.yaml
/// from `pkilab init`, ci/device-test.sh), with pkilab installed from the tarball `scripts/build-static` made (which
/// `scripts/test` builds into .build/static before the suite) through a file:// URL instead of a download.
@Suite("The GitHub Actions and GitLab CI recipes in docs/ci run as written", .serialized, .timeLimit(.minutes(4)))
struct CIRecipeTests {
    static let recipes = Pkilab.repository + "/docs/ci"

    /// The tarball and its checksum from scripts/build-static.
    static func tarball() throws -> String {
        let folder = Pkilab.repository + "/.build/static"
        let name = (try? FileManager.default.contentsOfDirectory(atPath: folder))?.first { $0.hasPrefix("pkilab-") && $0.hasSuffix(".tar.gz") }
        guard let name, FileManager.default.fileExists(atPath: "\(folder)/\(name).sha256") else {
            throw RecipeError(message: "no pkilab-*.tar.gz with its .sha256 in \(folder): ./scripts/test makes it (scripts/build-static --config debug --out .build/static)")
        }
        return "\(folder)/\(name)"
    }

    struct RecipeError: Error, CustomStringConvertible { let message: String; var description: String { message } }

    /// A project checkout as the recipes expect it, with a `sudo` that runs the command (the recipes only use it when
    /// a package is missing) and no pkilab on PATH but the one the recipe installs.
    private func workspace(deviceTest: String? = nil) throws -> (scratch: Scratch, path: String) {
        let scratch = try Scratch()
        #expect(try Pkilab.run(["init"], in: scratch.path).status == 0)
        try FileManager.default.createDirectory(atPath: scratch.path + "/ci", withIntermediateDirectories: true)
        let test = try deviceTest ?? String(contentsOfFile: Self.recipes + "/device-test.sh", encoding: .utf8)
        try scratch.write("ci/device-test.sh", test)
        chmod(scratch.path + "/ci/device-test.sh", 0o755)
        try FileManager.default.createDirectory(atPath: scratch.path + "/.tools", withIntermediateDirectories: true)
        try scratch.write(".tools/sudo", "#!/bin/sh\nexec \"$@\"\n")
        chmod(scratch.path + "/.tools/sudo", 0o755)
        let inherited = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .filter { !FileManager.default.isExecutableFile(atPath: "\($0)/pkilab") }.joined(separator: ":")
        return (scratch, "\(inherited):\(scratch.path)/.tools")
    }

    private func bash(_ script: String, in folder: String, environment: [String: String]) throws -> RunResult {
        try Run.program("/bin/bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd: folder, environment: environment, timeout: 120)
    }

    @Test("GitHub Actions: install from the tarball (checksum checked), pkilab run --fail-on rejected around the device test; a refused device fails the job")
    func githubActions() throws {
        let tarball = try Self.tarball()
        let workflow = try #require(try Yams.load(yaml: String(contentsOfFile: Self.recipes + "/github-actions.yml", encoding: .utf8)) as? [String: Any])
        let job = try #require((workflow["jobs"] as? [String: Any])?["device-mtls"] as? [String: Any])
        let steps = try #require(job["steps"] as? [[String: Any]])
        var environment = (job["env"] as? [String: String]) ?? [:]
        #expect(environment["PKILAB_TARBALL"] != nil, "the recipe names where the tarball comes from")
        environment["PKILAB_TARBALL"] = "file://" + tarball

        func runJob(_ deviceTest: String?) throws -> [(name: String, result: RunResult)] {
            let (scratch, path) = try workspace(deviceTest: deviceTest)
            defer { scratch.remove() }
            var env = environment
            env["HOME"] = scratch.path + "/home"
            env["GITHUB_PATH"] = scratch.path + "/github_path"
            try FileManager.default.createDirectory(atPath: scratch.path + "/home", withIntermediateDirectories: true)
            try scratch.write("github_path", "")
            var results: [(String, RunResult)] = []
            var failed = false
            for step in steps {
                guard let script = step["run"] as? String else { continue }  // uses: actions/checkout: the workspace is the checkout
                if (step["if"] as? String) == "failure()" && !failed { continue }
                // As the runner does: each line of $GITHUB_PATH goes in front of PATH for the steps after it.
                let added = (scratch.read("github_path") ?? "").split(separator: "\n").reversed().joined(separator: ":")
                env["PATH"] = added.isEmpty ? path : "\(added):\(path)"
                let result = try bash(script, in: scratch.path, environment: env)
                results.append((step["name"] as? String ?? "", result))
                if result.status != 0 { failed = true }
            }
            return results
        }

        let passing = try runJob(nil)
        #expect(passing.count == 2 && passing.allSatisfy { $0.result.status == 0 }, "\(passing.map { "\($0.name): \($0.result)" })")
        let run = try #require(passing.last?.result)
        #expect(run.stdout.contains("device test: HTTPS and MQTT over mutual TLS as device-001 passed"), "\(run)")
        #expect(run.stderr.contains("pkilab run: \"./ci/device-test.sh\" exited with 0") && run.stderr.contains(", 0 refused"), "\(run)")
        #expect(passing.first?.result.stdout.contains(": OK") == true, "sha256sum -c checked the tarball: \(passing.first?.result.description ?? "")")

        // A device that forgets its certificate once: the job fails at the device step, and the failure step says why.
        let forgetful = "#!/bin/sh\ncurl -sS --max-time 10 --cacert \"$PKILAB_CA\" \"${PKILAB_HTTPS_URL}whoami\" || true\n"
        let failing = try runJob(forgetful)
        #expect(failing.count == 3, "\(failing.map(\.name))")
        #expect(failing.dropFirst().first?.result.status == 1, "\(failing.map { "\($0.name): \($0.result)" })")
        #expect(failing.last?.result.stdout.contains("rejected [no_client_certificate]") == true, "\(failing.last?.result.description ?? "")")
    }

    @Test("GitLab CI: before_script and script in one shell, pkilab run then a lab in the background with up --detach and wait, after_script stops it")
    func gitlab() throws {
        let tarball = try Self.tarball()
        let pipeline = try #require(try Yams.load(yaml: String(contentsOfFile: Self.recipes + "/gitlab-ci.yml", encoding: .utf8)) as? [String: Any])
        let job = try #require(pipeline["device-mtls"] as? [String: Any])
        let (scratch, path) = try workspace()
        defer { scratch.remove() }
        var environment = (job["variables"] as? [String: String]) ?? [:]
        environment["PKILAB_TARBALL"] = "file://" + tarball
        environment["PKILAB_BIN_DIR"] = scratch.path + "/bin"
        environment["PATH"] = path
        try FileManager.default.createDirectory(atPath: scratch.path + "/bin", withIntermediateDirectories: true)
        let lines = ((job["before_script"] as? [String]) ?? []) + ((job["script"] as? [String]) ?? [])
        let main = try bash(lines.joined(separator: "\n"), in: scratch.path, environment: environment)
        let after = try bash(((job["after_script"] as? [String]) ?? []).joined(separator: "\n"), in: scratch.path, environment: environment)
        #expect(main.status == 0, "\(main)")
        #expect(main.stdout.contains("device test: HTTPS and MQTT over mutual TLS as device-001 passed"), "\(main)")
        #expect(main.stdout.contains("in the background (pid ") && main.stdout.contains("\nready echo="), "up --detach, then wait: \(main)")
        #expect(after.status == 0, "\(after)")
        #expect(scratch.exists(".pkilab/events.jsonl"), "the artifact the job keeps")
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, scratch.exists(".pkilab-bg/up.pid") { usleep(100_000) }
        #expect(!scratch.exists(".pkilab-bg/up.pid"), "after_script stopped the background lab")
    }
}
