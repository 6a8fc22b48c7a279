import Foundation

/// What a run of ``LabStore/apply(_:fleets:force:now:waiting:progress:)`` did, certificate by certificate.
public struct ApplyReport: Sendable, Codable {
    /// What happened to one certificate.
    public enum Action: String, Sendable, Codable {
        /// Issued for the first time, with a new key.
        case created
        /// Issued again with a new key because its spec changed.
        case reissued
        /// Signed again with the same key (its authority or its validity, path length or constraints changed).
        case resigned
        /// Signed again with the same key because it had expired or was about to.
        case renewed
        /// Completed after an interrupted run.
        case repaired
        /// Already matched the lab; nothing written.
        case unchanged
    }

    public struct Item: Sendable, Codable {
        public var name: String
        public var kind: IssuanceIndex.Kind
        public var fleet: String?
        public var action: Action
        /// Why, for anything but created and unchanged.
        public var reason: String?
        public var role: LeafRole?
        public var subject: String
        public var key: KeyAlgorithm
        public var names: [String]
        public var notAfter: Date
        public var issuerName: String?
        public var folder: String
        public var serial: String
        public var fingerprintSHA256: String
    }

    public var store: String
    public var items: [Item]
    public var notices: [String]

    /// Whether anything was written.
    public var changed: Bool { items.contains { $0.action != .unchanged } }
}
