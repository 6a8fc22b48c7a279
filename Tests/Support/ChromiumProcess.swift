import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What went wrong driving the browser: the message says what was asked, what happened and, when the browser died,
/// the end of its stderr.
public struct ChromiumError: Error, CustomStringConvertible, Sendable {
    public let message: String
    /// Whether something did not happen in time (a reply, a page load, a `waitUntil` condition) while the browser
    /// was still running, rather than a refusal or a failure.
    public let isTimeout: Bool
    public init(_ message: String, isTimeout: Bool = false) {
        self.message = message
        self.isTimeout = isTimeout
    }
    public var description: String { message }
}

/// A browser started with `posix_spawn` whose fd 3 reads what ``write(_:deadline:)`` sends and whose fd 4 is read
/// back through ``replies``: `--remote-debugging-pipe`'s two pipes.
///
/// The child gets stdin from /dev/null, stdout and stderr into `log`, the two pipe ends on 3 and 4 and no other
/// descriptor (everything from 5 up is closed in the child, so it never holds a pipe of the test runner open), no
/// blocked signals, SIGINT/SIGTERM/SIGHUP/SIGPIPE at their defaults, and a process group of its own, which
/// ``kill()`` ends as a whole (the browser's zygote, renderer and GPU processes with it).
final class ChromiumProcess: @unchecked Sendable {
    let pid: pid_t
    /// The parent's end of the browser's fd 4 (close-on-exec); whoever reads it closes it.
    let replies: Int32
    /// The parent's end of the browser's fd 3 (close-on-exec, non-blocking).
    private let commands: Int32
    private let writeLock = NSLock()
    private let stateLock = NSLock()
    private var reaped = false
    private var killed = false

    /// Starts `executable` with `arguments` and the environment given (`PATH` and the rest inherited unless overridden).
    init(executable: String, arguments: [String], environment: [String: String], log: String) throws {
        let toBrowser = try Self.pipePair(), fromBrowser = try Self.pipePair()
        // The child's ends moved to 10 and up, so the dup2 onto 3 and 4 can never overwrite one with the other.
        let childRead = fcntl(toBrowser.read, F_DUPFD_CLOEXEC, 10), childWrite = fcntl(fromBrowser.write, F_DUPFD_CLOEXEC, 10)
        close(toBrowser.read)
        close(fromBrowser.write)
        defer {
            close(childRead)
            close(childWrite)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_adddup2(&actions, childRead, 3)
        posix_spawn_file_actions_adddup2(&actions, childWrite, 4)
        let closesTheRest = Self.addCloseFrom(&actions, 5)
        if !closesTheRest { Self.markCloseOnExec() }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        for number in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        var variables = ProcessInfo.processInfo.environment
        for (key, value) in environment { variables[key] = value }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            close(toBrowser.write)
            close(fromBrowser.read)
            throw ChromiumError("could not start \(executable): \(String(cString: strerror(result)))")
        }
        self.pid = pid
        commands = toBrowser.write
        replies = fromBrowser.read
        _ = fcntl(commands, F_SETFL, fcntl(commands, F_GETFL) | O_NONBLOCK)
    }

    /// Writes all of `bytes` to the browser's fd 3 before `deadline`, or throws. A browser that has gone away makes
    /// the write fail with EPIPE: SIGPIPE is blocked on this thread meanwhile and a pending one consumed, so the
    /// test runner is not killed by it.
    func write(_ bytes: [UInt8], deadline: Date) throws {
        writeLock.lock()
        defer { writeLock.unlock() }
        var pipeSignal = sigset_t(), previous = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
        defer {
            var pending = sigset_t()
            sigpending(&pending)
            if sigismember(&pending, SIGPIPE) == 1 {
                var zero = timespec(tv_sec: 0, tv_nsec: 0)
                _ = sigtimedwait(&pipeSignal, nil, &zero)
            }
            pthread_sigmask(SIG_SETMASK, &previous, nil)
        }
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Glibc.write(commands, $0.baseAddress, $0.count) }
            if count > 0 {
                offset += count
                continue
            }
            guard count < 0, errno == EAGAIN || errno == EINTR else {
                throw ChromiumError("writing to Chromium's DevTools pipe failed: \(String(cString: strerror(errno)))")
            }
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { throw ChromiumError("Chromium did not read its DevTools pipe (a command of \(bytes.count) bytes) in time") }
            var ready = pollfd(fd: commands, events: Int16(POLLOUT), revents: 0)
            _ = poll(&ready, 1, Int32(min(left, 1) * 1000) + 1)
        }
    }

    /// Whether the browser process has ended (reaped by this call when it has).
    var hasExited: Bool {
        stateLock.lock()
        defer { stateLock.unlock() }
        if reaped { return true }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { reaped = true }
        return reaped
    }

    /// Kills the browser's process group with SIGKILL, reaps the browser (waiting at most `timeout` seconds) and
    /// closes the command pipe. Calling it again does nothing more.
    func kill(timeout: TimeInterval = 10) {
        stateLock.lock()
        defer { stateLock.unlock() }
        guard !killed else { return }
        killed = true
        Glibc.kill(-pid, SIGKILL)
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while !reaped && Date() < deadline {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid || (result < 0 && errno == ECHILD) { reaped = true } else { usleep(10_000) }
        }
        close(commands)
    }

    /// A pipe whose two ends are close-on-exec: from the start with `pipe2` (which Swift's Glibc module does not
    /// import, so looked up at run time), else set just after `pipe`.
    private static func pipePair() throws -> (read: Int32, write: Int32) {
        typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
        var ends: [Int32] = [0, 0]
        if let symbol = dlsym(nil, "pipe2") {
            guard unsafeBitCast(symbol, to: Pipe2.self)(&ends, O_CLOEXEC) == 0 else { throw ChromiumError("pipe2: \(String(cString: strerror(errno)))") }
        } else {
            guard pipe(&ends) == 0 else { throw ChromiumError("pipe: \(String(cString: strerror(errno)))") }
            for fd in ends { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        return (ends[0], ends[1])
    }

    /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34+), which Swift's Glibc module does not import: looked
    /// up at run time. False when this C library has none.
    private static func addCloseFrom(_ actions: inout posix_spawn_file_actions_t, _ lowest: Int32) -> Bool {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return false }
        let closeFrom = unsafeBitCast(symbol, to: CloseFrom.self)
        return closeFrom(&actions, lowest) == 0
    }

    /// The fallback without closefrom: every descriptor of this process above stderr marked close-on-exec.
    private static func markCloseOnExec() {
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.compactMap { Int32($0) }
        for fd in open ?? Array(3..<Int32(min(getdtablesize(), 4096))) where fd > 2 {
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }
}
