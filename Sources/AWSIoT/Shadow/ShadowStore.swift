/// Every shadow of the lab, and the Device Shadow service's answers to the requests devices publish.
///
/// A value type with no I/O: the broker hands it each publish to `…/shadow/get|update|delete` and publishes the
/// returned messages; the lab saves it (it is `Codable`) whenever an outcome says it ``ShadowOutcome/changed``.
/// Timestamps are seconds since 1970 on the lab's clock, as AWS's are.
public struct ShadowStore: Sendable, Codable, Hashable {
    var things: [String: ThingShadows] = [:]

    public init() {}

    /// A device (or the CLI) published `payload` to a shadow request topic at `now`.
    public mutating func handle(
        _ target: ShadowRequest.Target, _ operation: ShadowOperation, payload: [UInt8], now: Int64
    ) -> ShadowOutcome {
        switch operation {
        case .get: get(target, payload: payload, now: now)
        case .update: update(target, payload: payload, now: now)
        case .delete: delete(target, payload: payload, now: now)
        }
    }

    /// The `get/accepted` document of a shadow (without `clientToken`), or nil when it does not exist.
    public func document(_ target: ShadowRequest.Target, now: Int64) -> [UInt8]? {
        record(target).map { Self.getAccepted($0, now: now, clientToken: nil).encoded() }
    }

    /// The shadows `thing` has, classic first (nil), then named ones by name.
    public func names(of thing: String) -> [String?] {
        guard let shadows = things[thing] else { return [] }
        let classic: [String?] = shadows.classic?.exists == true ? [nil] : []
        return classic + shadows.named.filter { $0.value.exists }.keys.sorted()
    }

    /// The things that have at least one shadow, by name.
    public var thingNames: [String] {
        things.keys.filter { !names(of: $0).isEmpty }.sorted()
    }

    /// The existing (not deleted) shadow `target`.
    func record(_ target: ShadowRequest.Target) -> ShadowRecord? {
        guard let record = things[target.thing]?[target.shadow], record.exists else { return nil }
        return record
    }

    // MARK: get

    private func get(_ target: ShadowRequest.Target, payload: [UInt8], now: Int64) -> ShadowOutcome {
        let token = ShadowUpdateRequest.clientToken(in: payload)
        let topic = "\(target.topicPrefix)/get"
        guard let record = record(target) else {
            return Self.rejected(
                .noShadow(target), topic: topic, now: now, clientToken: token,
                summary: "\(target.request(.get)) rejected: 404 \(ShadowRejection.noShadow(target).message)")
        }
        let reply = IoTMessage(
            topic: "\(topic)/accepted", json: Self.getAccepted(record, now: now, clientToken: token))
        return ShadowOutcome(
            messages: [reply], summary: "\(target) read (version \(record.version))", changed: false)
    }

    static func getAccepted(_ record: ShadowRecord, now: Int64, clientToken: String?) -> IoTJSON {
        .members([
            "state": .members(["desired": record.desired, "reported": record.reported, "delta": record.delta]),
            "metadata": record.metadata, "version": .int(record.version), "timestamp": .int(now),
            "clientToken": clientToken.map(IoTJSON.string),
        ])
    }

    // MARK: delete

    private mutating func delete(_ target: ShadowRequest.Target, payload: [UInt8], now: Int64) -> ShadowOutcome {
        let token = ShadowUpdateRequest.clientToken(in: payload)
        let topic = "\(target.topicPrefix)/delete"
        guard var record = record(target) else {
            return Self.rejected(
                .noShadow(target), topic: topic, now: now, clientToken: token,
                summary: "\(target.request(.delete)) rejected: 404 \(ShadowRejection.noShadow(target).message)")
        }
        record = ShadowRecord(version: record.version, deletedAt: now)
        things[target.thing, default: ThingShadows()][target.shadow] = record
        let reply = IoTJSON.members([
            "version": .int(record.version), "timestamp": .int(now), "clientToken": token.map(IoTJSON.string),
        ])
        return ShadowOutcome(
            messages: [IoTMessage(topic: "\(topic)/accepted", json: reply)],
            summary: "\(target) deleted at version \(record.version)", changed: true)
    }

    // MARK: update

    private mutating func update(_ target: ShadowRequest.Target, payload: [UInt8], now: Int64) -> ShadowOutcome {
        let topic = "\(target.topicPrefix)/update"
        let request: ShadowUpdateRequest
        do {
            request = try ShadowUpdateRequest(payload: payload)
        } catch {
            return Self.rejected(
                error, topic: topic, now: now, clientToken: ShadowUpdateRequest.clientToken(in: payload),
                summary: "\(target.request(.update)) rejected: \(error.code) \(error.message)")
        }
        let stored = things[target.thing]?[target.shadow]
        let previous = stored?.exists == true ? stored : nil
        let base = stored?.baseVersion(now: now) ?? 0
        if let sent = request.version, sent != base {
            return Self.rejected(
                .versionConflict, topic: topic, now: now, clientToken: request.clientToken,
                summary: "\(target.request(.update)) rejected: 409 Version conflict "
                    + "(sent version \(sent), current \(base))")
        }

        var record = previous ?? ShadowRecord(version: base)
        for (section, patch) in request.state {
            let old = section == "desired" ? record.desired : record.reported
            let oldMetadata = section == "desired" ? record.desiredMetadata : record.reportedMetadata
            let new = ShadowStateAlgebra.merge(old, patch)
            let metadata = ShadowStateAlgebra.mergeMetadata(
                old: oldMetadata, oldState: old, newState: new, patch: patch, now: now)
            if section == "desired" {
                (record.desired, record.desiredMetadata) = (new, metadata)
            } else {
                (record.reported, record.reportedMetadata) = (new, metadata)
            }
        }
        guard record.stateSize <= ShadowUpdateRequest.maximumStateSize else {
            return Self.rejected(
                .tooLarge, topic: topic, now: now, clientToken: request.clientToken,
                summary: "\(target.request(.update)) rejected: 413 \(ShadowRejection.tooLarge.message) "
                    + "(desired and reported would take \(record.stateSize) bytes, at most "
                    + "\(ShadowUpdateRequest.maximumStateSize))")
        }
        record.version = base + 1
        things[target.thing, default: ThingShadows()][target.shadow] = record
        return ShadowOutcome(
            messages: Self.updateMessages(
                request, previous: previous, current: record, topic: topic, now: now),
            summary: "\(target) updated to version \(record.version); "
                + (record.delta.map { "delta: \($0)" } ?? "no delta"),
            changed: true)
    }

    private static func updateMessages(
        _ request: ShadowUpdateRequest, previous: ShadowRecord?, current: ShadowRecord, topic: String, now: Int64
    ) -> [IoTMessage] {
        let token = request.clientToken.map(IoTJSON.string)
        let patchMetadata = request.state.mapValues { ShadowStateAlgebra.stamp($0, now: now) }
        let accepted = IoTJSON.members([
            "state": .object(request.state), "metadata": .object(patchMetadata),
            "version": .int(current.version), "timestamp": .int(now), "clientToken": token,
        ])
        var messages = [IoTMessage(topic: "\(topic)/accepted", json: accepted)]
        if let delta = current.delta {
            let metadata = ShadowStateAlgebra.deltaMetadata(
                delta, desired: current.desired, metadata: current.desiredMetadata)
            let message = IoTJSON.members([
                "state": delta, "metadata": metadata, "version": .int(current.version), "timestamp": .int(now),
                "clientToken": token,
            ])
            messages.append(IoTMessage(topic: "\(topic)/delta", json: message))
        }
        let documents = IoTJSON.members([
            "previous": previous?.snapshot ?? .null, "current": current.snapshot, "timestamp": .int(now),
            "clientToken": token,
        ])
        messages.append(IoTMessage(topic: "\(topic)/documents", json: documents))
        return messages
    }

    private static func rejected(
        _ rejection: ShadowRejection, topic: String, now: Int64, clientToken: String?, summary: String
    ) -> ShadowOutcome {
        ShadowOutcome(
            messages: [
                IoTMessage(
                    topic: "\(topic)/rejected", json: rejection.payload(timestamp: now, clientToken: clientToken))
            ],
            errorCode: rejection.code, summary: summary, changed: false)
    }
}
