import Foundation
import Hummingbird
import NIOPosix
import PKILab
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The `/files/` folder as Hummingbird's `FileMiddleware` reads it, confined: a path is served only when its real
/// path (every symbolic link resolved) lies inside the real path of the folder, it is a regular file, and it holds
/// no private key. Links that stay inside the folder still work. Checked again when the file is loaded, so a file
/// swapped after the first look is caught too.
struct ConfinedFileSystem: FileProvider {
    struct FileAttributes: FileMiddlewareFileAttributes, Sendable {
        let isFolder: Bool
        let size: Int
        let modificationDate: Date
    }

    /// The requested path under the folder, not yet resolved.
    typealias FileIdentifier = String

    /// The folder as configured (absolute).
    let folder: String
    private let fileIO = FileIO()
    private let verdicts = KeyVerdicts()

    init(folder: String) {
        self.folder = folder
    }

    func getFileIdentifier(_ path: String) -> String? {
        guard !path.contains("\0") else { return nil }
        return folder + (path.hasPrefix("/") ? path : "/" + path)
    }

    func getAttributes(id: String) async throws -> FileAttributes? {
        try await resolve(id)?.attributes
    }

    func loadFile(id: String, context: some RequestContext) async throws -> ResponseBody {
        guard let file = try await resolve(id), !file.attributes.isFolder else { throw HTTPError(.notFound) }
        return try await fileIO.loadFile(path: file.path, context: context)
    }

    func loadFile(id: String, range: ClosedRange<Int>, context: some RequestContext) async throws -> ResponseBody {
        guard let file = try await resolve(id), !file.attributes.isFolder else { throw HTTPError(.notFound) }
        return try await fileIO.loadFile(path: file.path, range: range, context: context)
    }

    /// The real path and attributes of `id`; nil when it does not exist (or is not a file or folder); throws
    /// ``FileRefusal`` when it leads out of the folder or holds a private key.
    func resolve(_ id: String) async throws -> (path: String, attributes: FileAttributes)? {
        let folder = self.folder
        let verdicts = self.verdicts
        let outcome = try await NIOThreadPool.singleton.runIfActive { () -> Result<(path: String, attributes: FileAttributes)?, FileRefusal> in
            guard let root = Self.realPath(folder), let real = Self.realPath(id) else { return .success(nil) }
            let requested = "/files" + id.dropFirst(folder.count)
            guard real == root || real.hasPrefix(root.hasSuffix("/") ? root : root + "/") else {
                return .failure(FileRefusal(reason: .fileOutsideFolder(path: requested, real: real, folder: root), path: requested))
            }
            // The real path has no links left: O_NOFOLLOW refuses one swapped in since.
            let fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
            guard fd >= 0 else { return .success(nil) }
            defer { close(fd) }
            var info = stat()
            guard fstat(fd, &info) == 0 else { return .success(nil) }
            let modified = Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
            let type = info.st_mode & mode_t(S_IFMT)
            if type == mode_t(S_IFDIR) {
                return .success((real, FileAttributes(isFolder: true, size: 0, modificationDate: modified)))
            } else if type == mode_t(S_IFREG) {
                let size = Int(info.st_size)
                if let key = verdicts.key(of: info, sniff: { _ in PrivateKeySniffer.key(in: fd, size: size) }) {
                    return .failure(FileRefusal(reason: .privateKeyRefused(path: requested, key: key), path: requested))
                }
                return .success((real, FileAttributes(isFolder: false, size: size, modificationDate: modified)))
            }
            // Devices, FIFOs and sockets are not files to download.
            return .success(nil)
        }
        return try outcome.get()
    }

    /// `realpath(3)`: the absolute path with every link, `.` and `..` resolved; nil when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// What the sniffer found in each file, by device, inode, size and modification time, so a large firmware image
/// is read once rather than on every request.
final class KeyVerdicts: Sendable {
    private struct Stamp: Hashable {
        var device: UInt64, inode: UInt64, size: Int64, seconds: Int, nanoseconds: Int
    }

    private let verdicts = Mutex<[Stamp: String?]>([:])

    /// The sniffer's verdict on the file `info` describes, from `sniff` the first time.
    func key(of info: stat, sniff: (stat) -> String?) -> String? {
        let stamp = Stamp(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
                          seconds: info.st_mtim.tv_sec, nanoseconds: info.st_mtim.tv_nsec)
        if let known = verdicts.withLock({ $0[stamp] }) { return known }
        let verdict = sniff(info)
        verdicts.withLock { cache in
            if cache.count >= 4096 { cache.removeAll() }
            cache[stamp] = verdict
        }
        return verdict
    }
}

/// A `/files/` request refused: 403, with the reason the event log gets.
struct FileRefusal: HTTPResponseError {
    let reason: RejectionReason
    /// The request path, `/files/…`.
    let path: String

    var status: HTTPResponse.Status { .forbidden }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = reason.code == .privateKeyRefused ? "403 Forbidden: \(path) holds a private key; pkilab never serves one.\n"
            : "403 Forbidden: \(path) leads outside the files folder; pkilab serves only the files inside it.\n"
        return HTTPSRoutes.text(.forbidden, body)
    }
}

extension ConfinedFileSystem {
    /// `files:` as an absolute path: relative to the lab file's folder.
    static func absolute(_ files: String, in labFolder: String) -> String {
        let joined = files.hasPrefix("/") ? files : "\(labFolder)/\(files)"
        let absolute = joined.hasPrefix("/") ? joined : FileManager.default.currentDirectoryPath + "/" + joined
        return (absolute as NSString).standardizingPath
    }

    /// Refuses a `files:` folder that holds the store (every key of the lab would be one URL away) or lies inside it.
    /// Both are compared by real path, so a link to the store counts too.
    static func checkApart(_ files: String, from store: String, spec: EndpointSpec, labFile: String) throws(LabFileError) {
        try checkApart(files, from: store, location: spec.filesLocation ?? SourceLocation(file: labFile, line: 0, column: 0, keyPath: "endpoints.\(spec.name).files"),
                       what: "the files folder", key: "files:", servedAt: "/files/")
    }

    /// The same for a folder named elsewhere (`ota.images`), served at `servedAt`.
    static func checkApart(_ files: String, from store: String, location: SourceLocation, what name: String, key: String, servedAt: String) throws(LabFileError) {
        let folder = realPath(files) ?? files
        let storeFolder = realPath(store) ?? store
        func inside(_ path: String, _ parent: String) -> Bool { path == parent || path.hasPrefix(parent.hasSuffix("/") ? parent : parent + "/") }
        guard inside(storeFolder, folder) || inside(folder, storeFolder) else { return }
        let what = inside(storeFolder, folder) ? "\(name) \"\(DisplayPath.relative(folder))\" holds the store \"\(DisplayPath.relative(storeFolder))\": the lab's keys and secrets would be served at \(servedAt)"
            : "\(name) \"\(DisplayPath.relative(folder))\" lies inside the store \"\(DisplayPath.relative(storeFolder))\""
        throw LabFileError(.invalidValue, at: location, what,
                           hint: "point \(key) at a folder of its own beside lab.yaml (for example \(key) firmware) that neither is nor contains the store")
    }
}
