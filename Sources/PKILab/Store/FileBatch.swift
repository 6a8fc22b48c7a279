import CPKILabShims
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes many files so that each one is replaced whole or not at all, with one durability barrier per
/// batch instead of one `fsync` per file.
///
/// ``stage(_:to:mode:)`` writes a temporary file beside the target; ``commit()`` flushes the file system
/// once, renames every temporary file over its target in the order staged, and flushes again so the renames
/// are durable. A crash before the renames leaves only temporary files (which ``removeLeftovers(in:)``
/// cleans up); a crash during them leaves each target either old or new, never half-written.
public final class FileBatch {
    private var staged: [(temporary: String, target: String)] = []
    private var syncPerFile = false
    private let suffix = ".pkilab-tmp-\(getpid())"

    public init() {}

    public var isEmpty: Bool { staged.isEmpty }

    /// Writes `bytes` to a temporary file that ``commit()`` will move to `path`.
    public func stage(_ bytes: [UInt8], to path: String, mode: mode_t) throws(StoreError) {
        let temporary = path + suffix + "-\(staged.count)"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Self.failure("create", path) }
        defer { close(fd) }
        guard fchmod(fd, mode) == 0 else { throw Self.failure("set permissions on", path) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { throw Self.failure("write", path) }
            offset += written
        }
        if syncPerFile { _ = fsync(fd) }
        staged.append((temporary, path))
    }

    public func stage(_ text: String, to path: String, mode: mode_t) throws(StoreError) {
        try stage(Array(text.utf8), to: path, mode: mode)
    }

    /// Makes every staged file durable and moves it into place.
    public func commit(syncing folder: String) throws(StoreError) {
        guard !staged.isEmpty else { return }
        try Self.sync(folder)
        for (temporary, target) in staged where rename(temporary, target) != 0 {
            throw Self.failure("move into place", target)
        }
        staged.removeAll()
        try Self.sync(folder)
    }

    /// Removes temporary files that were never committed.
    public func discard() {
        for (temporary, _) in staged { unlink(temporary) }
        staged.removeAll()
    }

    /// Flushes the file system that holds `folder` (Linux `syncfs`; elsewhere the folder itself).
    public static func sync(_ folder: String) throws(StoreError) {
        let fd = open(folder, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open", folder) }
        defer { close(fd) }
        guard pkilab_syncfs(fd) >= 0 else { throw failure("flush", folder) }
    }

    /// Deletes temporary files a killed run left behind, below `folder`.
    public static func removeLeftovers(in folder: String) {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return }
        for case let relative as String in walker where relative.contains(".pkilab-tmp-") {
            unlink("\(folder)/\(relative)")
        }
    }

    /// Creates `path` and its parents with mode 0700 if they do not exist.
    public static func makeFolder(_ path: String) throws(StoreError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw StoreError(.cannotWrite, "\"\(path)\" exists and is not a folder", hint: "move it away and run again")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw failure("create the folder", path)
        }
    }

    static func failure(_ action: String, _ path: String) -> StoreError {
        let reason = String(cString: strerror(errno))
        return StoreError(.cannotWrite, "can't \(action) \"\(path)\": \(reason)",
                          hint: "Nothing already issued was lost: the previous files are still in place. Check the folder's owner and free space (ls -ld \"\((path as NSString).deletingLastPathComponent)\"; df -h) and run again.")
    }
}
