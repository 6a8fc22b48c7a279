import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A command `pkilab run` starts: found on PATH like a shell does, with this terminal's stdin, stdout and stderr,
/// in this process group (so Ctrl-C reaches it too), and the environment given.
struct ChildProcess: Sendable {
    let pid: pid_t

    init(_ command: [String], environment: [String: String]) throws {
        let argv = command.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        Self.startWithCleanSignals(&attributes)
        var pid: pid_t = 0
        // posix_spawnp searches PATH in this process's environment; the child's PATH is the same unless the lab changed it (it does not).
        let result = posix_spawnp(&pid, command[0], nil, &attributes, argv, envp)
        guard result == 0 else {
            throw CommandFailure(result == ENOENT ? ExitStatus.notFound : ExitStatus.unavailable, "command_not_started",
                                 "could not run \"\(command[0])\": \(String(cString: strerror(result)))",
                                 hint: result == ENOENT ? "check the name (it is looked up on PATH unless it contains a /)" : "check that it is executable")
        }
        self.pid = pid
    }

    /// Waits (on a thread of its own, not the concurrency pool) and returns the exit status as a shell reports it:
    /// the code, or 128 + the signal that ended it.
    func exitStatus() async -> Int32 {
        let pid = self.pid
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                let signal = status & 0x7f
                continuation.resume(returning: signal == 0 ? (status >> 8) & 0xff : 128 + signal)
            }
        }
    }

    /// Sets `attributes` so the new program starts with no signal blocked and SIGINT, SIGTERM, SIGHUP and SIGPIPE at
    /// their defaults, whatever the spawning thread blocks (the concurrency pool's threads do) or this process ignores
    /// (pkilab ignores SIGPIPE and catches the others; an ignored signal stays ignored across exec). `flags` adds
    /// other `POSIX_SPAWN_*` flags.
    static func startWithCleanSignals(_ attributes: inout posix_spawnattr_t, flags: Int32 = 0) {
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        for number in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(flags | Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)))
    }

    func signal(_ number: Int32) {
        kill(pid, number)
    }
}
