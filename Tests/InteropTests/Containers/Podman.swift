import Foundation
import PKILabTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// podman as these tests drive it (the way ../shared/notes/containers.md found to work on this machine kind: runc,
/// cgroupfs, explicit ulimits, no registry), the static pkilab binary, and the images the tests share.
///
/// The container tests run when podman is usable and the static binary exists. When not, they do not pass
/// quietly: with `PKILAB_REQUIRE_CONTAINERS=1` (as `.ci/run` sets) they run and fail with the reason; otherwise
/// they are skipped and the run prints one line saying why.
enum Podman {
    static let global = ["--runtime", "runc", "--cgroup-manager", "cgroupfs"]
    static let limits = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
    /// The base image docker/make-local-base makes from the Debian mirror (kept between runs: it is the cache).
    static let base = "docker.io/library/debian:bookworm-slim"
    /// The label on every image the tests make.
    static let label = "org.pkilab.test=containers"
    /// One name per test run.
    static let run = "pkilab-test-\(getpid())"

    /// `$PKILAB_STATIC_BIN`, or what `scripts/test` builds: `./scripts/build-static --config debug --out .build/static`.
    static let staticBinary: String = {
        if let path = ProcessInfo.processInfo.environment["PKILAB_STATIC_BIN"], !path.isEmpty { return path }
        return Pkilab.repository + "/.build/static/pkilab"
    }()

    static let required = ProcessInfo.processInfo.environment["PKILAB_REQUIRE_CONTAINERS"] == "1"

    /// Why the container tests cannot run here, or nil when they can. Checked once; makes the base image if missing.
    static let unavailable: String? = {
        if getuid() != 0 { return "podman needs root on this machine (rootless podman is not set up); run as root" }
        guard Run.available("podman") else { return "podman is not installed (apt-get install -y podman runc; scripts/test does it as root)" }
        guard Run.available("runc") else { return "runc is not installed (apt-get install -y runc)" }
        guard FileManager.default.isExecutableFile(atPath: staticBinary) else {
            return "no static pkilab at \(staticBinary) (./scripts/build-static --config debug --out .build/static; scripts/test does it)"
        }
        guard let info = try? podman(["info", "--format", "{{.Host.OCIRuntime.Name}}"], timeout: 60), info.status == 0 else {
            return "podman info fails here: \((try? podman(["info"], timeout: 60))?.stderr ?? "")"
        }
        // What an earlier, killed run left.
        sweep(thisRun: false)
        let made = try? Run.program(Pkilab.repository + "/docker/make-local-base", [base], timeout: 600)
        guard let made, made.status == 0 else {
            return "docker/make-local-base could not make \(base) (debootstrap from the apt mirror): \(made?.description ?? "did not start")"
        }
        return nil
    }()

    /// Whether the container tests run: podman is usable, or they are required (and then fail with the reason).
    static let enabled: Bool = {
        if let reason = unavailable {
            if required { return true }
            print("◇ Container tests did not run: \(reason). (PKILAB_REQUIRE_CONTAINERS=1 makes this a failure.)")
            return false
        }
        return true
    }()

    /// Throws the reason the tests cannot run (only reached when they are required).
    static func ready() throws {
        if let reason = unavailable { throw LabProcess.Failure(message: "PKILAB_REQUIRE_CONTAINERS=1 but the container tests cannot run: \(reason)") }
    }

    @discardableResult
    static func podman(_ arguments: [String], cwd: String? = nil, timeout: TimeInterval = 120) throws -> RunResult {
        try Run.program("podman", global + arguments, cwd: cwd, timeout: timeout)
    }

    /// Runs podman and throws with its output unless it exits 0.
    @discardableResult
    static func must(_ arguments: [String], cwd: String? = nil, timeout: TimeInterval = 120) throws -> RunResult {
        let result = try podman(arguments, cwd: cwd, timeout: timeout)
        guard result.status == 0 else {
            throw LabProcess.Failure(message: "podman \(arguments.joined(separator: " ")) failed: \(result)")
        }
        return result
    }

    /// `podman run -d …`: starts a container in the background. Its monitor (conmon) inherits podman's descriptors
    /// and keeps them for the container's life: the output pipes, and the socket by which Foundation's Process
    /// learns that its child ended (so Run would wait for ever). podman gets a file for its output and no other
    /// descriptor.
    static func detached(_ arguments: [String]) throws {
        let log = NSTemporaryDirectory() + "\(run)-\(UUID().uuidString.prefix(8)).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let script = #"for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done 2>/dev/null; exec "$@" >"$LOG" 2>&1 </dev/null"#
        let result = try Run.program("bash", ["-c", script, "bash", "podman"] + global + ["run", "-d"] + arguments,
                                     environment: ["LOG": log], timeout: 120)
        guard result.status == 0 else {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw LabProcess.Failure(message: "podman run -d \(arguments.joined(separator: " ")) failed (exit \(result.status)): \(output)")
        }
    }

    /// `podman build` the way it works here: no pulls, the host's network for apt-get, docker format (for HEALTHCHECK).
    static func build(tag: String, file: String, context: String, args: [String: String] = [:], timeout: TimeInterval = 300) throws {
        var arguments = ["build", "--format", "docker", "--pull=never", "--network", "host"] + limits
            + ["--label", label, "--layers", "-t", tag, "-f", file]
        for (key, value) in args.sorted(by: { $0.key < $1.key }) { arguments += ["--build-arg", "\(key)=\(value)"] }
        try must(arguments + [context], timeout: timeout)
        images.append(tag)
    }

    /// Removes the containers, networks, images and volumes of this run (at exit) or of runs whose process is gone (at
    /// start, what a killed run left); never another live run's. They are all named `pkilab-test-PID…`.
    static func sweep(thisRun: Bool) {
        func mine(_ name: Substring) -> Bool {
            let bare = name.hasPrefix("localhost/") ? name.dropFirst("localhost/".count) : name
            guard bare.hasPrefix("pkilab-test-") else { return false }
            let digits = bare.dropFirst("pkilab-test-".count).prefix(while: \.isNumber)
            guard let pid = Int32(digits) else { return false }
            return thisRun ? pid == getpid() : (pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH)
        }
        let kinds: [(list: [String], remove: [String])] = [
            (["ps", "-a", "--format", "{{.Names}}"], ["rm", "-f", "-t", "0"]),
            (["network", "ls", "--format", "{{.Name}}"], ["network", "rm", "-f"]),
            (["images", "--format", "{{.Repository}}:{{.Tag}}"], ["rmi", "-f"]),
            (["volume", "ls", "--format", "{{.Name}}"], ["volume", "rm", "-f"]),
        ]
        for kind in kinds {
            guard let listed = try? podman(kind.list, timeout: 30) else { continue }
            for name in Set(listed.stdout.split(separator: "\n")) where mine(name) {
                _ = try? podman(kind.remove + [String(name)], timeout: 60)
            }
        }
        // The stages a build left untagged (the prebuilt binary's) carry the tests' label too.
        _ = try? podman(["image", "prune", "-f", "--filter", "label=\(label)"], timeout: 60)
    }

    nonisolated(unsafe) static var images: [String] = []

    /// The image docker/Dockerfile makes with the static binary (PKILAB_BUILD=prebuilt), built once per run and
    /// removed at exit. The build context is a small folder holding what the Dockerfile copies, so the test does
    /// not send the repository's build folders or write into its dist/.
    static let labImage: Result<String, LabProcess.Failure> = {
        do {
            let context = NSTemporaryDirectory() + "\(run)-context"
            defer { try? FileManager.default.removeItem(atPath: context) }
            let files = FileManager.default
            try? files.removeItem(atPath: context)
            try files.createDirectory(atPath: context + "/dist", withIntermediateDirectories: true)
            try files.copyItem(atPath: Pkilab.repository + "/docker", toPath: context + "/docker")
            try files.copyItem(atPath: Pkilab.repository + "/aws", toPath: context + "/aws")
            try files.copyItem(atPath: Pkilab.repository + "/.dockerignore", toPath: context + "/.dockerignore")
            // A debug binary is mostly symbols (over 200 MB): the image gets it stripped, as a release build is.
            let stripped = try? Run.program("strip", ["-o", context + "/dist/pkilab", staticBinary], timeout: 120)
            if stripped?.status != 0 {
                try? files.removeItem(atPath: context + "/dist/pkilab")
                try files.copyItem(atPath: staticBinary, toPath: context + "/dist/pkilab")
            }
            let tag = "localhost/\(run):latest"
            try build(tag: tag, file: context + "/docker/Dockerfile", context: context, args: ["PKILAB_BUILD": "prebuilt"])
            cleanUpAtExit()
            return .success(tag)
        } catch let failure as LabProcess.Failure {
            return .failure(failure)
        } catch {
            return .failure(LabProcess.Failure(message: "\(error)"))
        }
    }()

    /// The example device's image (docker/device), built once per run.
    static let deviceImage: Result<String, LabProcess.Failure> = {
        do {
            let tag = "localhost/\(run)-device:latest"
            try build(tag: tag, file: Pkilab.repository + "/docker/device/Dockerfile", context: Pkilab.repository + "/docker/device")
            cleanUpAtExit()
            return .success(tag)
        } catch let failure as LabProcess.Failure {
            return .failure(failure)
        } catch {
            return .failure(LabProcess.Failure(message: "\(error)"))
        }
    }()

    private static let registered: Void = {
        atexit { Podman.sweep(thisRun: true) }
    }()

    static func cleanUpAtExit() { _ = registered }

    /// A container name for this run; the test removes it (and the exit sweep catches what a failure left).
    static func name(_ what: String) -> String { "\(run)-\(what)" }
}

/// A folder the container's non-root user (10001, docker/Dockerfile) may write: the lab's /lab.
func labFolder() throws -> Scratch {
    let scratch = try Scratch()
    guard chown(scratch.path, 10001, 10001) == 0 else { throw LabProcess.Failure(message: "chown \(scratch.path) failed") }
    return scratch
}
