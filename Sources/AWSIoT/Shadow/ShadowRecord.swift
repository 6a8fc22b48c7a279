/// One shadow as the store keeps it: desired and reported state, their metadata, the version, and, after a delete,
/// a tombstone that keeps the version so a re-created shadow continues the count.
struct ShadowRecord: Sendable, Hashable, Codable {
    var desired: IoTJSON?
    var reported: IoTJSON?
    var desiredMetadata: IoTJSON?
    var reportedMetadata: IoTJSON?
    var version: Int64
    /// When the shadow was deleted (seconds); nil while it exists.
    var deletedAt: Int64?

    /// How long a deleted shadow's version is remembered: AWS continues the count for a shadow re-created within
    /// 48 hours and starts again at 0 after that.
    static let tombstoneLifetime: Int64 = 48 * 3600

    var exists: Bool { deletedAt == nil }

    /// The version a new update builds on at `now`: the shadow's own, a fresh tombstone's, or 0.
    func baseVersion(now: Int64) -> Int64 {
        guard let deletedAt else { return version }
        return now - deletedAt <= Self.tombstoneLifetime ? version : 0
    }

    /// `{"desired", "reported"}` (each only when present).
    var state: IoTJSON { .members(["desired": desired, "reported": reported]) }

    /// `{"desired", "reported"}` metadata (each only when present).
    var metadata: IoTJSON { .members(["desired": desiredMetadata, "reported": reportedMetadata]) }

    /// The delta between desired and reported, nil when there is none.
    var delta: IoTJSON? { ShadowStateAlgebra.delta(desired: desired, reported: reported) }

    /// `{"state", "metadata", "version"}`, as in `update/documents`.
    var snapshot: IoTJSON { .object(["state": state, "metadata": metadata, "version": .int(version)]) }

    /// Sum of the compact encodings of desired and reported, what AWS's 8 KB limit counts (metadata excluded).
    var stateSize: Int { (desired?.encoded().count ?? 0) + (reported?.encoded().count ?? 0) }
}
