/// The shadows of one thing: its classic shadow and its named ones (tombstones included).
struct ThingShadows: Sendable, Hashable, Codable {
    var classic: ShadowRecord?
    var named: [String: ShadowRecord] = [:]

    subscript(shadow: String?) -> ShadowRecord? {
        get {
            if let shadow { named[shadow] } else { classic }
        }
        set {
            if let shadow { named[shadow] = newValue } else { classic = newValue }
        }
    }
}
