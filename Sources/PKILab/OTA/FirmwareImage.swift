import Foundation

/// One image of the OTA images folder: its name (the object store's key), product and version, size and digests.
public struct FirmwareImage: Sendable, Hashable {
    /// Where the version was read.
    public enum VersionSource: String, Sendable, Hashable, Codable {
        /// From the file name: `app-v1.2.0.bin`.
        case fileName = "file name"
        /// From the ESP-IDF app descriptor inside the image (`esp_app_desc_t.version`).
        case appDescriptor = "app descriptor"
    }

    /// The file name, which is also the key in the object store's bucket.
    public var name: String
    public var path: String
    /// What the image is of: the part of the file name before the version (`app` for `app-v1.2.0.bin`).
    public var product: String
    /// nil when neither the file name nor the image says.
    public var version: FirmwareVersion?
    public var versionSource: VersionSource?
    public var size: Int
    public var modified: Date
    /// Lower-case hex.
    public var sha256: String
    /// Lower-case hex: what `x-MD5` carries, and the object store's ETag (quoted), as S3's for a single-part upload.
    public var md5: String

    public init(name: String, path: String, product: String, version: FirmwareVersion?, versionSource: VersionSource?, size: Int,
                modified: Date, sha256: String, md5: String) {
        self.name = name
        self.path = path
        self.product = product
        self.version = version
        self.versionSource = versionSource
        self.size = size
        self.modified = modified
        self.sha256 = sha256
        self.md5 = md5
    }

    /// The quoted MD5, as S3 sends it.
    public var etag: String { "\"\(md5)\"" }
}
