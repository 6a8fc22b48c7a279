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
        // pkilab run ignores SIGPIPE and catches SIGINT, SIGTERM and SIGHUP itself; an ignored signal stays ignored
        // across exec, so the command gets them back at their defaults.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        // The thread that spawns may block signals (the concurrency pool's threads do); the command starts with none blocked.
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
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

    func signal(_ number: Int32) {
        kill(pid, number)
    }
}
