import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive lock on a store, held for the length of a run, so concurrent `pkilab` runs take turns.
///
/// It is an `flock` on `ca/.lock`: the kernel releases it when the process ends, however it ends, so a
/// killed run never leaves a stale lock behind.
public final class StoreLock {
    private let fd: Int32

    /// Waits up to `timeout` seconds for the lock, calling `waiting` once if it has to wait.
    public init(path: String, timeout: TimeInterval = 120, waiting: () -> Void = {}) throws(StoreError) {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileBatch.failure("open the lock file", path) }
        let deadline = Date().addingTimeInterval(timeout)
        var told = false
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                close(fd)
                throw FileBatch.failure("lock", path)
            }
            if !told { waiting(); told = true }
            guard Date() < deadline else {
                close(fd)
                throw StoreError(.locked, "another pkilab run has held \"\(path)\" for over \(Int(timeout)) seconds",
                                 hint: "wait for it to finish (ps aux | grep pkilab) and run again")
            }
            usleep(20_000)
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
