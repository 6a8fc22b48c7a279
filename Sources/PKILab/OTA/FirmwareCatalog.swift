import Crypto
import Foundation
import Synchronization

/// The images of the OTA images folder, read again on every call (a file dropped in is offered at once), their
/// digests computed once per file size and modification time.
///
/// Only regular files directly in the folder are images: no sub-folders, no hidden files, no symbolic links (so
/// nothing outside the folder is ever served), and never a private key.
public final class FirmwareCatalog: Sendable {
    public let folder: String
    private let cache = Mutex<[String: FirmwareImage]>([:])

    public init(folder: String) {
        self.folder = folder
    }

    /// Every image, by product and then version, newest last.
    public func images() -> [FirmwareImage] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        var result: [FirmwareImage] = []
        for name in names {
            let path = "\(folder)/\(name)"
            var info = stat()
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            let size = Int(info.st_size)
            let modified = Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec) + TimeInterval(info.st_mtim.tv_nsec) / 1e9)
            if let cached = cache.withLock({ $0[name] }), cached.size == size, cached.modified == modified {
                result.append(cached)
                continue
            }
            guard let image = Self.read(name: name, path: path, size: size, modified: modified) else { continue }
            cache.withLock { $0[name] = image }
            result.append(image)
        }
        return result.sorted { ($0.product, $0.version ?? FirmwareVersion("0")!, $0.name) < ($1.product, $1.version ?? FirmwareVersion("0")!, $1.name) }
    }

    /// The image stored under `key`, if it is one.
    public func image(named key: String) -> FirmwareImage? {
        guard !key.contains("/"), !key.hasPrefix(".") else { return nil }
        return images().first { $0.name == key }
    }

    /// The newest versioned image `identity` may get (of `product`, when given), with the decision that let it
    /// through; nil image when there is none.
    public func newest(for identity: String, product: String?, spec: OTASpec) -> (image: FirmwareImage?, refused: [(FirmwareImage, OTATargetDecision)]) {
        var refused: [(FirmwareImage, OTATargetDecision)] = []
        // By version then name, across products when none is named (the newest image the device may get).
        let candidates = images().filter { $0.version != nil && (product == nil || $0.product == product) }
            .sorted { ($0.version!, $0.name) < ($1.version!, $1.name) }
        for image in candidates.reversed() {
            let decision = spec.decide(image: image.name, identity: identity)
            if decision.allowed { return (image, refused) }
            refused.append((image, decision))
        }
        return (nil, refused)
    }

    /// Reads an image's version and digests; nil for a private key or a file that cannot be read.
    static func read(name: String, path: String, size: Int, modified: Date) -> FirmwareImage? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var sha256 = SHA256()
        var md5 = Insecure.MD5()
        var head: [UInt8] = []
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            if head.count < 256 { head += chunk.prefix(256 - head.count) }
            sha256.update(data: chunk)
            md5.update(data: chunk)
        }
        if String(decoding: head.prefix(64), as: UTF8.self).contains("PRIVATE KEY-----") { return nil }
        var product = (name as NSString).deletingPathExtension
        var version: FirmwareVersion?
        var source: FirmwareImage.VersionSource?
        if let parsed = FirmwareVersion.fromFileName(name) {
            (product, version, source) = (parsed.product, parsed.version, .fileName)
        } else if let descriptor = ESPAppImage.readDescriptor(head), let parsed = FirmwareVersion(descriptor.version) {
            (version, source) = (parsed, .appDescriptor)
        }
        return FirmwareImage(name: name, path: path, product: product, version: version, versionSource: source, size: size, modified: modified,
                             sha256: sha256.finalize().lowercaseHex, md5: md5.finalize().lowercaseHex)
    }
}
