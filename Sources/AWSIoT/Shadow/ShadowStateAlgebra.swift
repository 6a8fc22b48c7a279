/// The Device Shadow service's rules for state, metadata and delta, as pure functions on ``IoTJSON``.
///
/// - Merge: objects merge field by field, recursively; `null` deletes a field; anything else (numbers, strings,
///   Booleans, arrays) replaces the old value whole. An object left empty by deletions disappears, as a section does.
/// - Metadata: every leaf the update touched gets `{"timestamp": seconds}`; an array gets one entry per element.
/// - Delta: desired fields missing from reported or unequal to it (numbers compare by value), nested objects
///   compared path by path; reported-only fields never appear.
enum ShadowStateAlgebra {
    /// `old` with `patch` merged in; nil when the result is null or an empty object.
    static func merge(_ old: IoTJSON?, _ patch: IoTJSON) -> IoTJSON? {
        switch patch {
        case .null:
            return nil
        case .object(let patchMembers):
            var members = old?.objectValue ?? [:]
            for (key, value) in patchMembers {
                members[key] = merge(members[key], value)
            }
            return members.isEmpty ? nil : .object(members)
        default:
            return patch
        }
    }

    /// The metadata tree of an update's patch: each leaf (nulls included, as AWS reports deletions) becomes
    /// `{"timestamp": now}`, arrays per element.
    static func stamp(_ patch: IoTJSON, now: Int64) -> IoTJSON {
        switch patch {
        case .object(let members): .object(members.mapValues { stamp($0, now: now) })
        case .array(let elements): .array(elements.map { stamp($0, now: now) })
        default: .object(["timestamp": .int(now)])
        }
    }

    /// The stored metadata after an update: `oldMetadata` (which describes `oldState`) with the stamps of `patch`
    /// merged in, shaped like `newState`.
    static func mergeMetadata(
        old oldMetadata: IoTJSON?, oldState: IoTJSON?, newState: IoTJSON?, patch: IoTJSON, now: Int64
    ) -> IoTJSON? {
        guard let newState else { return nil }
        guard case .object(let patchMembers) = patch, case .object(let stateMembers) = newState else {
            return stamp(newState, now: now)
        }
        let oldStateMembers = oldState?.objectValue
        var members = oldStateMembers == nil ? [:] : (oldMetadata?.objectValue ?? [:])
        for (key, value) in patchMembers {
            members[key] = mergeMetadata(
                old: members[key], oldState: oldStateMembers?[key], newState: stateMembers[key], patch: value, now: now)
        }
        return members.isEmpty ? nil : .object(members)
    }

    /// The delta between `desired` and `reported`, or nil when reported already matches desired.
    static func delta(desired: IoTJSON?, reported: IoTJSON?) -> IoTJSON? {
        guard let desired else { return nil }
        guard let reported else { return desired }
        if case .object(let wanted) = desired, case .object(let have) = reported {
            var members: [String: IoTJSON] = [:]
            for (key, value) in wanted {
                if let difference = delta(desired: value, reported: have[key]) {
                    members[key] = difference
                }
            }
            return members.isEmpty ? nil : .object(members)
        }
        return desired == reported ? nil : desired
    }

    /// The part of the desired metadata (`metadata`, which describes `desired`) that describes `delta`.
    static func deltaMetadata(_ delta: IoTJSON, desired: IoTJSON?, metadata: IoTJSON?) -> IoTJSON? {
        guard case .object(let deltaMembers) = delta, case .object(let desiredMembers)? = desired else {
            return metadata
        }
        var members: [String: IoTJSON] = [:]
        for (key, value) in deltaMembers {
            members[key] = deltaMetadata(value, desired: desiredMembers[key], metadata: metadata?[key])
        }
        return .object(members)
    }

    /// How many objects and arrays nest in `value`, `value` itself counting as one when it is one.
    static func depth(_ value: IoTJSON) -> Int {
        switch value {
        case .object(let members): 1 + (members.values.map(depth).max() ?? 0)
        case .array(let elements): 1 + (elements.map(depth).max() ?? 0)
        default: 0
        }
    }

    /// Whether any array inside `value` holds a `null`, which the shadow refuses.
    static func hasNullInArray(_ value: IoTJSON) -> Bool {
        switch value {
        case .object(let members): members.values.contains(where: hasNullInArray)
        case .array(let elements): elements.contains { $0.isNull || hasNullInArray($0) }
        default: false
        }
    }
}
