/// PINGREQ: the client is alive (keep-alive); it has no body.
public struct PingReq: Sendable, Hashable {
    public init() {}
}
