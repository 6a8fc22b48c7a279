import CPKILabShims
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes many files and folders so that each is replaced whole or not at all, with one durability barrier
/// per batch instead of one `fsync` per file.
///
/// ``stage(_:to:mode:)`` writes a temporary file beside its target; ``stageFolder(_:replacing:)`` writes a
/// whole temporary folder (a certificate with its key and chains) beside the folder it replaces, hard-linking
/// any other files the old folder holds. ``commit(syncing:)`` flushes the file system once, swaps every folder
/// into place atomically (`renameat2(RENAME_EXCHANGE)`) and renames every file over its target, then flushes
/// again. At no moment does a folder hold a certificate without its key. A crash leaves only temporary
/// entries, which ``removeLeftovers(in:)`` cleans up (or puts back, for an interrupted fallback swap).
public final class FileBatch {
    private var files: [(temporary: String, target: String)] = []
    private var folders: [(temporary: String, target: String)] = []
    /// Unique among the batches of this process too, so several can be staged before one ``commit(_:syncing:)``.
    private let tag = "\(getpid())\(FileBatch.nextInstance())"
    private var counter = 0

    public init() {}

    private static let instances = Mutex(0)
    /// "" for a process's first batch (the names earlier versions used), then "-b2", "-b3"…
    private static func nextInstance() -> String {
        let number = instances.withLock { count in
            count += 1
            return count
        }
        return number == 1 ? "" : "-b\(number)"
    }

    public var isEmpty: Bool { files.isEmpty && folders.isEmpty }

    /// Writes `bytes` to a temporary file that ``commit(syncing:)`` will move to `path`.
    public func stage(_ bytes: [UInt8], to path: String, mode: mode_t) throws(StoreError) {
        counter += 1
        let temporary = "\(path).pkilab-tmp-\(tag)-\(counter)"
        try Self.writeFile(bytes, to: temporary, mode: mode, reportAs: path)
        files.append((temporary, path))
    }

    public func stage(_ text: String, to path: String, mode: mode_t) throws(StoreError) {
        try stage(Array(text.utf8), to: path, mode: mode)
    }

    /// Writes a complete new version of `folder`: the given files, plus hard links to every other file the
    /// current folder holds (so nothing not being replaced is lost).
    public func stageFolder(_ contents: [(name: String, bytes: [UInt8], mode: mode_t)], replacing folder: String) throws(StoreError) {
        try stageFolders([(contents, folder)])
    }

    /// ``stageFolder(_:replacing:)`` for many folders, written on all cores (file creation dominates a fleet).
    public func stageFolders(_ items: [(contents: [(name: String, bytes: [UInt8], mode: mode_t)], folder: String)]) throws(StoreError) {
        let first = counter + 1
        counter += items.count
        let tag = self.tag
        let indexed = items.enumerated().map { StagedFolder(index: first + $0.offset, contents: $0.element.contents, folder: $0.element.folder) }
        do {
            let staged = try indexed.parallelMap(threshold: 16) { item -> (String, String) in
                (try Self.writeFolder(item, tag: tag), item.folder)
            }
            folders += staged
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.cannotWrite, "\(error)")
        }
    }

    private struct StagedFolder: Sendable {
        var index: Int
        var contents: [(name: String, bytes: [UInt8], mode: mode_t)]
        var folder: String
    }

    private static func writeFolder(_ item: StagedFolder, tag: String) throws(StoreError) -> String {
        let folder = item.folder
        let parent = (folder as NSString).deletingLastPathComponent
        let name = (folder as NSString).lastPathComponent
        let temporary = "\(parent)/.\(name).pkilab-tmp-\(tag)-\(item.index)"
        guard mkdir(temporary, 0o700) == 0 else { throw failure("create the folder", temporary) }
        for file in item.contents {
            try writeFile(file.bytes, to: "\(temporary)/\(file.name)", mode: file.mode, reportAs: "\(folder)/\(file.name)")
        }
        let replaced = Set(item.contents.map(\.name))
        for existing in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where !replaced.contains(existing) {
            var info = stat()
            guard lstat("\(folder)/\(existing)", &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            guard link("\(folder)/\(existing)", "\(temporary)/\(existing)") == 0 else { throw failure("keep", "\(folder)/\(existing)") }
        }
        return temporary
    }

    /// Makes everything staged durable and moves it into place.
    public func commit(syncing root: String) throws(StoreError) {
        try Self.commit([self], syncing: root)
    }

    /// Commits `batches` in order with one durability barrier between each and the next instead of two: every
    /// batch was staged before this is called, so one flush makes all their temporary files durable, and the flush
    /// after batch *n* moves into place is also the one before batch *n + 1* does. A crash leaves the same states
    /// as committing them one by one: batch *n + 1*'s files are never in place before batch *n*'s are durable.
    public static func commit(_ batches: [FileBatch], syncing root: String) throws(StoreError) {
        let batches = batches.filter { !$0.isEmpty }
        guard !batches.isEmpty else { return }
        try sync(root)
        for batch in batches {
            let obsolete = try batch.moveIntoPlace()
            try sync(root)
            for path in obsolete { try? FileManager.default.removeItem(atPath: path) }
        }
    }

    /// Renames everything staged over its target; returns the old folders to delete once that is durable.
    private func moveIntoPlace() throws(StoreError) -> [String] {
        var obsolete: [String] = []
        for (temporary, target) in folders {
            if access(target, F_OK) != 0 {
                guard rename(temporary, target) == 0 else { throw Self.failure("move into place", target) }
            } else if pkilab_exchange(temporary, target) == 0 {
                obsolete.append(temporary)
            } else {
                // The file system cannot swap atomically: move the old folder aside first. removeLeftovers puts
                // it back if the run dies between the two renames.
                let aside = temporary.replacingOccurrences(of: ".pkilab-tmp-", with: ".pkilab-old-")
                guard rename(target, aside) == 0 else { throw Self.failure("move aside", target) }
                guard rename(temporary, target) == 0 else { throw Self.failure("move into place", target) }
                obsolete.append(aside)
            }
        }
        for (temporary, target) in files where rename(temporary, target) != 0 {
            throw Self.failure("move into place", target)
        }
        files.removeAll()
        folders.removeAll()
        return obsolete
    }

    /// Removes temporary entries that were never committed.
    public func discard() {
        for (temporary, _) in files { unlink(temporary) }
        for (temporary, _) in folders { try? FileManager.default.removeItem(atPath: temporary) }
        files.removeAll()
        folders.removeAll()
    }

    /// Flushes the file system that holds `folder` (Linux `syncfs`; elsewhere the folder itself).
    public static func sync(_ folder: String) throws(StoreError) {
        let fd = open(folder, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open", folder) }
        defer { close(fd) }
        guard pkilab_syncfs(fd) == 0 else { throw failure("flush", folder) }
    }

    /// Cleans up after a killed run below `folder`: temporary files and folders are deleted; a folder that
    /// was moved aside and never replaced is put back.
    public static func removeLeftovers(in folder: String) {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return }
        var found: [String] = []
        for case let relative as String in walker where relative.contains(".pkilab-tmp-") || relative.contains(".pkilab-old-") {
            found.append(relative)
            walker.skipDescendants()
        }
        for relative in found {
            let path = "\(folder)/\(relative)"
            let name = (relative as NSString).lastPathComponent
            if let marker = name.range(of: ".pkilab-old-"), name.hasPrefix(".") {
                let original = "\((path as NSString).deletingLastPathComponent)/\(name[name.index(after: name.startIndex)..<marker.lowerBound])"
                if access(original, F_OK) != 0, rename(path, original) == 0 { continue }
            }
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    /// Creates `path` and every missing parent with mode 0700, whatever the umask: each folder it creates is
    /// `chmod`ed explicitly after `mkdir`. Folders that already exist are left as they are.
    public static func makeFolder(_ path: String) throws(StoreError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw StoreError(.cannotWrite, "\"\(path)\" exists and is not a folder", hint: "move it away and run again")
            }
            return
        }
        // Not NSString.deletingLastPathComponent: on Linux it does not shorten a one-character name ("c"), which
        // recursed until the stack ran out.
        let parent = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? ""
        if !parent.isEmpty, parent != path { try makeFolder(parent) }
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else { throw failure("create the folder", path) }
        guard chmod(path, 0o700) == 0 else { throw failure("set permissions on", path) }
    }

    private static func writeFile(_ bytes: [UInt8], to path: String, mode: mode_t, reportAs target: String) throws(StoreError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure("create", target) }
        defer { close(fd) }
        guard fchmod(fd, mode) == 0 else { throw failure("set permissions on", target) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { throw failure("write", target) }
            offset += written
        }
    }

    static func failure(_ action: String, _ path: String) -> StoreError {
        let reason = String(cString: strerror(errno))
        return StoreError(.cannotWrite, "can't \(action) \"\(path)\": \(reason)",
                          hint: "Nothing already issued was lost: the previous files are still in place. Check the folder's owner and free space (ls -ld \"\((path as NSString).deletingLastPathComponent)\"; df -h) and run again.")
    }
}
