import Foundation

extension LabStore {
    /// The lab's own credentials for pre-signed URLs, in `region`: an access key id `PKILAB…` and a random secret,
    /// made on first use and kept in `ota-credentials.json` (0600), so URLs signed by `pkilab ota presign` are
    /// accepted by a running lab and survive its restart.
    public func otaCredentials(region: String) throws(StoreError) -> SigV4Credentials {
        struct Stored: Codable {
            var accessKeyID: String
            var secretAccessKey: String
        }
        let path = directory.otaCredentials
        func load() -> Stored? {
            FileManager.default.contents(atPath: path).flatMap { try? JSONDecoder().decode(Stored.self, from: $0) }
        }
        if let stored = load() {
            return SigV4Credentials(accessKeyID: stored.accessKeyID, secretAccessKey: stored.secretAccessKey, region: region)
        }
        try FileBatch.makeFolder(directory.path)
        let lock = try StoreLock(path: directory.lockFile)
        defer { withExtendedLifetime(lock) {} }
        if let stored = load() {
            return SigV4Credentials(accessKeyID: stored.accessKeyID, secretAccessKey: stored.secretAccessKey, region: region)
        }
        var generator = SystemRandomNumberGenerator()
        let upper = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        let any = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        let stored = Stored(accessKeyID: "PKILAB" + String((0..<14).map { _ in upper[Int(generator.next() % UInt64(upper.count))] }),
                            secretAccessKey: String((0..<40).map { _ in any[Int(generator.next() % UInt64(any.count))] }))
        let data = (try? LabJSON.encoder(pretty: true).encode(stored)) ?? Data()
        let batch = FileBatch()
        try batch.stage(Array(data) + [0x0A], to: path, mode: 0o600)
        try batch.commit(syncing: directory.path)
        return SigV4Credentials(accessKeyID: stored.accessKeyID, secretAccessKey: stored.secretAccessKey, region: region)
    }
}
