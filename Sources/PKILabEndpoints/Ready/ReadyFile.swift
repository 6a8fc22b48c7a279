import Foundation
import PKILab
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a ready file (`ca/endpoints.json`, or `pkilab up --ready-file FILE`) says: the lab is serving, or it could
/// not start and why. `pkilab wait` and `pkilab up --detach` read it.
public enum ReadyFile: Sendable {
    case ready(ReadyLab)
    case failed(LabStartFailure)

    /// The file's content, or nil when it is missing, half-written by something else, or neither kind.
    public static func read(_ path: String) -> ReadyFile? {
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else { return nil }
        let decoder = LabJSON.decoder()
        if let failure = try? decoder.decode(LabStartFailure.self, from: data) { return .failed(failure) }
        if let ready = try? decoder.decode(ReadyLab.self, from: data) { return .ready(ready) }
        return nil
    }

    /// Writes `text` to `path` whole: a temporary file beside it, fsync, rename, then the folder synced.
    static func write(_ text: String, to path: String) throws(StoreError) {
        let folder = (path as NSString).deletingLastPathComponent
        let batch = FileBatch()
        try batch.stage(text, to: path, mode: 0o644)
        try batch.commit(syncing: folder.isEmpty ? "." : folder)
    }

    /// Writes this process's id (one line) to `path`, whole: `pkilab up --pid-file`.
    public static func writePid(to path: String, pid: Int32 = getpid()) throws(StoreError) {
        try write("\(pid)\n", to: path)
    }

    /// Whether process `pid` is alive (a ready file whose process is gone was left by a lab that was killed).
    public static func isAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}
