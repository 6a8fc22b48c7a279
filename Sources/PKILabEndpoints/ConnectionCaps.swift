/// The connection caps in force for a running lab: `endpoints.max_connections` (already lowered to what the
/// file-descriptor limit leaves room for), `max_connections_per_address` and `max_connections_per_client`.
public struct ConnectionCaps: Sendable, Equatable {
    public var total: Int
    public var perAddress: Int
    public var perClient: Int
}
