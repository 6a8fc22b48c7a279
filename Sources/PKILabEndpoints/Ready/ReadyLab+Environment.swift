import Foundation

extension ReadyLab {
    /// The `PKILAB_*` environment variables `pkilab run` gives its command: where everything of the running lab is.
    ///
    /// - `PKILAB_LAB`, `PKILAB_DIR`: the lab file and the store (so `pkilab` commands inside act on this lab);
    /// - `PKILAB_CA` (the root CA bundle), `PKILAB_EVENTS` (the connection events, JSON lines), `PKILAB_READY_FILE`;
    /// - per identity, its name in capitals with `_` for anything else (`device-001` → `DEVICE_001`):
    ///   `PKILAB_DEVICE_001_CERT`, `_KEY`, `_CHAIN`, `_FULLCHAIN`;
    /// - per endpoint the same way: `PKILAB_MQTT_URL`, `PKILAB_MQTT_HOST`, `PKILAB_MQTT_PORT`;
    /// - `PKILAB_IDENTITIES` and `PKILAB_ENDPOINTS`: the names, space-separated.
    public func environment(labFile: String, store: String, readyFile: String) -> [String: String] {
        var variables = [
            "PKILAB_LAB": labFile, "PKILAB_DIR": store, "PKILAB_CA": ca, "PKILAB_EVENTS": events, "PKILAB_READY_FILE": readyFile,
            "PKILAB_IDENTITIES": identities.map(\.name).joined(separator: " "),
            "PKILAB_ENDPOINTS": endpoints.map(\.name).joined(separator: " "),
        ]
        for identity in identities {
            let prefix = "PKILAB_\(Self.variableName(identity.name))"
            variables["\(prefix)_CERT"] = identity.cert
            variables["\(prefix)_KEY"] = identity.key
            variables["\(prefix)_CHAIN"] = identity.chain
            variables["\(prefix)_FULLCHAIN"] = identity.fullchain
        }
        for endpoint in endpoints {
            let prefix = "PKILAB_\(Self.variableName(endpoint.name))"
            variables["\(prefix)_URL"] = endpoint.url
            variables["\(prefix)_HOST"] = URLComponents(string: endpoint.url)?.host ?? endpoint.host
            variables["\(prefix)_PORT"] = String(endpoint.port)
        }
        return variables
    }

    /// `device-001` → `DEVICE_001`: capitals, digits and `_` only, as a shell variable name needs.
    public static func variableName(_ name: String) -> String {
        String(name.uppercased().unicodeScalars.map { ("A"..."Z").contains($0) || ("0"..."9").contains($0) ? Character($0) : "_" })
    }
}
