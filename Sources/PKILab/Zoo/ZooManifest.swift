import Foundation

/// What the zoo in a store holds and what it was made from: `ca/zoo/zoo.json`.
public struct ZooManifest: Codable, Sendable, Hashable {
    /// One certificate of the zoo.
    public struct Item: Codable, Sendable, Hashable {
        public var name: String
        public var folder: String
        public var subject: String
        public var serial: String
        public var notBefore: Date
        public var notAfter: Date
        /// The certificate's DER size.
        public var bytes: Int
        /// How many certificates the server sends (leaf included).
        public var presented: Int
    }

    public var madeAt: Date
    /// The lab authority that signs the zoo's "almost right" certificates.
    public var issuer: String
    public var issuerFingerprint: String
    public var rootFingerprint: String
    public var servers: [Item]
    public var clients: [Item]

    /// The zoo is remade when its authorities changed or it is older than this (so "expired 30 days ago" and
    /// "valid in a year" stay true).
    public static let maximumAge: TimeInterval = 30 * 86_400

    static func load(from path: String) -> ZooManifest? {
        // A damaged manifest only means the zoo is made again.
        (try? StoreJSON.load(ZooManifest.self, from: path) { _ in StoreError(.cannotRead, path) }) ?? nil
    }

    func encoded() -> [UInt8] {
        StoreJSON.encoded(self)
    }
}
