import ArgumentParser
import Foundation
import PKILab
import PKILabEndpoints
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `pkilab up --detach`: the same `pkilab up` started again in a session of its own, its output in a log file,
/// and this process waiting until it is ready (exit 0) or has said why it could not start (its exit code).
struct Detached {
    let up: Up

    func start() async throws {
        let store = up.options.store
        try FileManager.default.createDirectory(atPath: store.directory.path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let pidFile = up.pidFile ?? "\(store.directory.path)/up.pid"
        let logFile = up.logFile ?? "\(store.directory.path)/up.log"
        let readyFile = up.readyFile ?? "\(store.directory.path)/up.ready.json"
        if case .ready(let running)? = ReadyFile.read(store.directory.readyFile), let pid = running.pid, ReadyFile.isAlive(pid) {
            throw CommandFailure(ExitStatus.unavailable, "already_serving", "a pkilab up (pid \(pid)) already serves \"\(Console.path(store.directory.path))\"",
                                 hint: "stop it first (kill \(pid)), or give another store with --dir")
        }
        try? FileManager.default.removeItem(atPath: readyFile)
        let child = try spawn(arguments: childArguments(pidFile: pidFile, readyFile: readyFile), log: logFile)
        let waiter = ReadyWaiter(path: readyFile, pid: child) {
            var status: Int32 = 0
            let reaped = waitpid(child, &status, WNOHANG)
            guard reaped == child else { return (reaped < 0, nil) }
            return (true, (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f))
        }
        let outcome = await waiter.wait(until: Date().addingTimeInterval(Double(up.detachTimeout)))
        if up.readyFile == nil { try? FileManager.default.removeItem(atPath: readyFile) }
        switch outcome {
        case .ready(let ready):
            if up.json {
                Console.out(ready.json)
            } else {
                Console.out("pkilab up is serving \"\(ready.lab)\" in the background (pid \(child)); its output goes to \"\(Console.path(logFile))\".")
                for endpoint in ready.endpoints where endpoint.zoo == nil || endpoint.kind == .store { Console.out("  \(endpoint.name)  \(endpoint.url)") }
                Console.out("Stop it with: kill $(cat \(Console.path(pidFile)))")
                Console.out(ReadyPrinter.readyLine(ready, readyFile: store.directory.readyFile))
            }
        case .failed(let failure):
            if up.json { Console.out(failure.json) }
            Console.error(failure.error.message, hint: failure.error.hint)
            throw ExitCode(failure.error.status)
        case .exited(let status):
            throw CommandFailure(status ?? ExitStatus.unavailable, "exited", "pkilab up ended before it was ready (exit \(status.map(String.init) ?? "?"))",
                                 hint: "its output is in \"\(Console.path(logFile))\"")
        case .timedOut:
            kill(child, SIGTERM)
            throw CommandFailure(ExitStatus.unavailable, "timeout", "the lab was not ready after \(up.detachTimeout) s; it was stopped",
                                 hint: "its output is in \"\(Console.path(logFile))\"; a large fleet takes longer: raise --detach-timeout")
        }
    }

    /// This command's arguments without `--detach` and `--log-file`, with the pid and ready files made explicit.
    private func childArguments(pidFile: String, readyFile: String) -> [String] {
        var arguments: [String] = []
        var skipNext = false
        for argument in CommandLine.arguments.dropFirst() {
            if skipNext { skipNext = false; continue }
            if argument == "--detach" { continue }
            if ["--log-file", "--pid-file", "--ready-file", "--detach-timeout"].contains(argument) { skipNext = true; continue }
            if ["--log-file=", "--pid-file=", "--ready-file=", "--detach-timeout="].contains(where: { argument.hasPrefix($0) }) { continue }
            arguments.append(argument)
        }
        return arguments + ["--pid-file", pidFile, "--ready-file", readyFile]
    }

    /// Starts this executable with `arguments` in a new session (so the terminal's Ctrl-C and hang-up do not reach
    /// it), stdin from /dev/null, stdout and stderr appended to `log` (0600).
    private func spawn(arguments: [String], log: String) throws -> pid_t {
        let executable = Self.executablePath
        Self.closeOnExec()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A session of its own; whatever this thread blocks or ignores, the lab starts with clean signals.
        ChildProcess.startWithCleanSignals(&attributes, flags: Self.newSession)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard result == 0 else {
            throw CommandFailure(ExitStatus.unavailable, "spawn_failed", "could not start pkilab up in the background: \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// Marks every descriptor above stderr close-on-exec: the lab in the background must not hold on to a pipe this
    /// process inherited (a caller reading this command's output until its end would otherwise wait for the lab).
    private static func closeOnExec() {
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/dev/fd"))?.compactMap { Int32($0) }
        for fd in open ?? Array(3..<Int32(min(getdtablesize(), 4096))) where fd > 2 {
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }

    /// POSIX_SPAWN_SETSID (glibc 2.26+, macOS 10.15+), which Swift's Glibc module does not import.
    private static var newSession: Int32 {
        #if os(Linux)
        0x80
        #else
        0x400
        #endif
    }

    /// This program's own file.
    private static var executablePath: String {
        #if os(Linux)
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        #endif
        return Bundle.main.executablePath ?? CommandLine.arguments[0]
    }
}
