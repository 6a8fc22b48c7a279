import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive lock on a store, held for the length of a run, so concurrent `pkilab` runs take turns.
///
/// It is an `flock` on `ca/.lock`: the kernel releases it when the process ends, however it ends, so a
/// killed run never leaves a stale lock behind. The file itself is removed when the lock is released
/// (while still held), so a run that ends, even with an error, leaves no `.lock` in the store; a run that
/// was waiting on the removed file notices that the path no longer names what it locked and locks afresh.
public final class StoreLock {
    private let fd: Int32
    private let path: String

    /// Waits up to `timeout` seconds for the lock, calling `waiting` once if it has to wait.
    public init(path: String, timeout: TimeInterval = 120, waiting: () -> Void = {}) throws(StoreError) {
        self.path = path
        let deadline = Date().addingTimeInterval(timeout)
        var told = false
        while true {
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw FileBatch.failure("open the lock file", path) }
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
            // The run before may have removed the file after this one opened it: only a lock on the file the
            // path names now excludes the others.
            var held = stat(), named = stat()
            if fstat(fd, &held) == 0, stat(path, &named) == 0, held.st_ino == named.st_ino, held.st_dev == named.st_dev {
                self.fd = fd
                return
            }
            close(fd)
        }
    }

    deinit {
        unlink(path)
        flock(fd, LOCK_UN)
        close(fd)
    }
}
