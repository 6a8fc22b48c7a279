import Foundation

/// What a device did against the zoo's bad servers, summed up from connection events.
public struct ZooReport: Sendable, Codable, Hashable {
    /// One bad server on one kind of listener.
    public struct Row: Sendable, Codable, Hashable {
        public var scenario: String
        /// `tls` or `mqtt`.
        public var listener: String
        public var connections: Int
        public var refused: Int
        public var accepted: Int
        /// Accepted and then sent data (bytes, or an MQTT CONNECT).
        public var sentData: Int
        /// The worst verdict over the connections.
        public var verdict: ZooVerdict
        /// What an acceptance means, or the problem when refused.
        public var meaning: String
    }

    public var rows: [Row]
    /// Bad servers the device wrongly accepted (or the good one it wrongly refused).
    public var failures: [String]
    /// The scenarios no connection reached.
    public var untested: [String]

    /// Sums up `events` (those without zoo details are ignored).
    public init(events: [ConnectionEvent]) {
        var grouped: [String: [ConnectionEvent]] = [:]
        for event in events where event.zoo != nil {
            guard let zoo = event.zoo else { continue }
            let listener = event.endpoint.hasPrefix("zoo-mqtt-") ? "mqtt" : "tls"
            grouped["\(listener)/\(zoo.scenario)", default: []].append(event)
        }
        let severity: [ZooVerdict] = [.correct, .observed, .handshakeOnly, .noRevocationCheck, .wronglyRefused, .wronglyAccepted]
        var rows: [Row] = []
        for listener in ["tls", "mqtt"] {
            for scenario in ZooServer.allCases {
                guard let group = grouped["\(listener)/\(scenario.rawValue)"] else { continue }
                let details = group.compactMap(\.zoo)
                let verdict = details.map(\.verdict).max { severity.firstIndex(of: $0)! < severity.firstIndex(of: $1)! } ?? .correct
                let accepted = details.filter(\.completedHandshake).count
                rows.append(Row(scenario: scenario.rawValue, listener: listener, connections: details.count, refused: details.count - accepted,
                                accepted: accepted, sentData: details.filter(\.sentData).count, verdict: verdict,
                                meaning: verdict == .handshakeOnly
                                    ? "completed the handshake but sent nothing before closing: did it refuse the server only then (curl checks the name after the handshake)?"
                                    : accepted > 0 ? scenario.acceptanceMeans : scenario.problem))
            }
        }
        self.rows = rows
        failures = rows.filter(\.verdict.isFailure).map { $0.listener == "tls" ? $0.scenario : "mqtt/\($0.scenario)" }
        let reached = Set(rows.map(\.scenario))
        untested = ZooServer.allCases.map(\.rawValue).filter { !reached.contains($0) }
    }

    /// Reads JSON-lines event files, keeping events at or after `since` and from peers whose host is `peer`.
    public static func events(from paths: [String], since: Date? = nil, peer: String? = nil) -> [ConnectionEvent] {
        paths.flatMap { path -> [ConnectionEvent] in
            guard let data = FileManager.default.contents(atPath: path) else { return [] }
            return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { ConnectionEvent.decode(jsonLine: String($0)) }
        }.filter { event in
            (since.map { event.time >= $0 } ?? true) && (peer.map { Self.host(of: event.peer) == $0 } ?? true)
        }
    }

    /// `127.0.0.1` of `127.0.0.1:50312`, `::1` of `[::1]:50312`.
    static func host(of peer: String) -> String {
        if peer.hasPrefix("["), let end = peer.firstIndex(of: "]") { return String(peer[peer.index(after: peer.startIndex)..<end]) }
        return peer.split(separator: ":").first.map(String.init) ?? peer
    }
}
