import Foundation

/// The record of every certificate a store has issued: `ca/index.json`.
///
/// An entry is written as `pending` before its files are moved into place and becomes `active` after, so
/// the index never claims a certificate that is not on disk; the entry it replaces becomes `superseded`.
public struct IssuanceIndex: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable {
        /// Being written; promoted to active once its files are in place, dropped if they never got there.
        case pending
        /// The certificate now in the store.
        case active
        /// Replaced by a newer certificate of the same name.
        case superseded
    }

    public enum Kind: String, Codable, Sendable {
        case authority
        case leaf
    }

    public struct Entry: Codable, Sendable, Equatable {
        public var name: String
        public var kind: Kind
        public var fleet: String?
        public var serial: String
        public var fingerprintSHA256: String
        public var specDigest: String
        public var subject: String
        public var issuer: String
        public var notBefore: Date
        public var notAfter: Date
        public var issuedAt: Date
        public var supersededAt: Date?
        public var state: State
    }

    public var format: Int = 1
    public var lab: String
    public var entries: [Entry]

    public init(lab: String, entries: [Entry] = []) {
        self.lab = lab
        self.entries = entries
    }

    /// The newest entry of `name` in one of `states`.
    public func entry(named name: String, fleet: String? = nil, states: Set<State> = [.active]) -> Entry? {
        entries.last { $0.name == name && $0.fleet == fleet && states.contains($0.state) }
    }

    public func entry(fingerprint: String) -> Entry? {
        entries.last { $0.fingerprintSHA256 == fingerprint }
    }

    public static func load(from path: String) throws(StoreError) -> IssuanceIndex? {
        try StoreJSON.load(IssuanceIndex.self, from: path) { error in
            StoreError(.cannotRead, "\"\(path)\" is not a pkilab index: \(error)",
                       hint: "move it away; the next run rebuilds it from the certificates in the store")
        }
    }

    public func encoded() -> [UInt8] {
        StoreJSON.encoded(self)
    }
}
