/// The `versionNumber` of lifecycle events, per client id: it grows with each connection, a connection's
/// `connected` and `disconnected` events share one, and after about an hour offline it starts again at 0 (AWS).
public struct LifecycleVersionCounter: Sendable, Hashable, Codable {
    struct Client: Sendable, Hashable, Codable {
        var version: Int
        var connections: Int
        /// Milliseconds since 1970 of the last disconnect while no connection remained.
        var offlineSince: Int64?
    }

    var clients: [String: Client] = [:]

    /// How long a client id may stay offline and keep its count: one hour, in milliseconds.
    public static let resetAfter: Int64 = 3_600_000

    public init() {}

    /// A connection of `clientID` was accepted at `now` (ms): the version its `connected` and `disconnected`
    /// events carry (keep it with the connection).
    public mutating func connect(clientID: String, now: Int64) -> Int {
        var client: Client
        if let known = clients[clientID], known.connections > 0 || now - (known.offlineSince ?? now) < Self.resetAfter {
            client = known
            client.version += 1
        } else {
            client = Client(version: 0, connections: 0)
        }
        client.connections += 1
        client.offlineSince = nil
        clients[clientID] = client
        return client.version
    }

    /// A connection of `clientID` ended at `now` (ms).
    public mutating func disconnect(clientID: String, now: Int64) {
        guard var client = clients[clientID] else { return }
        client.connections = max(0, client.connections - 1)
        if client.connections == 0 { client.offlineSince = now }
        clients[clientID] = client
    }
}
