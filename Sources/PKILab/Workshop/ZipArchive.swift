import Foundation
import ZIPFoundation

/// A ZIP file made whole in memory by ZIPFoundation: each entry deflated, with its Unix mode (so `unzip` and Python's
/// `zipfile` restore `0600` on a key) and a fixed modification time.
///
/// The bytes depend only on the entries (no clock is read), so the same entries give the same archive: a kit made
/// again from unchanged files is byte for byte the same file.
public struct ZipArchive: Sendable, Hashable {
    /// One file of the archive.
    public struct Entry: Sendable, Hashable {
        /// The path inside the archive, `/`-separated (`attendee-0001/ca.pem`).
        public var name: String
        public var bytes: [UInt8]
        /// The Unix permission bits (`0o600`, `0o644`).
        public var mode: mode_t
        /// The modification time (ZIP keeps it in MS-DOS form: two-second steps, local time).
        public var modified: Date

        public init(name: String, bytes: [UInt8], mode: mode_t = 0o644, modified: Date) {
            self.name = name
            self.bytes = bytes
            self.mode = mode
            self.modified = modified
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry] = []) {
        self.entries = entries
    }

    /// The archive's bytes.
    /// - Throws: ``StoreError`` (`cannotWrite`) when ZIPFoundation cannot make it (it cannot for entries in memory
    ///   under 4 GiB).
    public func bytes() throws(StoreError) -> [UInt8] {
        do {
            let archive = try Archive(accessMode: .create)
            for entry in entries {
                let data = Data(entry.bytes)
                try archive.addEntry(with: entry.name, type: .file, uncompressedSize: Int64(data.count), modificationDate: entry.modified,
                                     permissions: UInt16(entry.mode & 0o7777), compressionMethod: .deflate) { position, size in
                    data.subdata(in: Int(position)..<Int(position) + size)
                }
            }
            guard let data = archive.data else { throw StoreError(.cannotWrite, "ZIPFoundation made no archive") }
            return Array(data)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.cannotWrite, "could not make the zip: \(error)")
        }
    }
}
