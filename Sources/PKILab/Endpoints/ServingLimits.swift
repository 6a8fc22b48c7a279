/// How much of the machine the endpoints of one lab may take, from the `endpoints:` section of lab.yaml: caps on
/// open connections and how long a connection may sit without finishing a request. The same for every endpoint.
public struct ServingLimits: Sendable, Hashable {
    /// Open connections over all endpoints (`endpoints.max_connections`). `pkilab up` lowers it further to what the
    /// process's file-descriptor limit leaves room for.
    public var maxConnections: Int
    /// Open connections from one client address (`endpoints.max_connections_per_address`); nil for half of the
    /// effective `maxConnections`, so one host can never take them all.
    public var maxConnectionsPerAddress: Int?
    /// Open TLS connections presenting the same client certificate, by SHA-256 fingerprint
    /// (`endpoints.max_connections_per_client`).
    public var maxConnectionsPerClient: Int
    /// Seconds an HTTP connection (HTTPS or the plain CRL/OCSP port) may go without a complete request, or stay
    /// open idle between requests (`endpoints.idle_timeout`).
    public var idleTimeout: Int

    public static let keys = ["max_connections", "max_connections_per_address", "max_connections_per_client", "idle_timeout"]

    public init(maxConnections: Int = 4096, maxConnectionsPerAddress: Int? = nil, maxConnectionsPerClient: Int = 64, idleTimeout: Int = 60) {
        self.maxConnections = maxConnections
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
        self.maxConnectionsPerClient = maxConnectionsPerClient
        self.idleTimeout = idleTimeout
    }
}
