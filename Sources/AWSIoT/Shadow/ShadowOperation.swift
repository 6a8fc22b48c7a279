/// What a device asks of a shadow, named as the last level of the request topic (`…/shadow/get`, `/update`,
/// `/delete`).
public enum ShadowOperation: String, Sendable, Hashable, Codable, CaseIterable {
    case get
    case update
    case delete
}
