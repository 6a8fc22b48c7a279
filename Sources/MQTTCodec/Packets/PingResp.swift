/// PINGRESP: the server's answer to PINGREQ; it has no body.
public struct PingResp: Sendable, Hashable {
    public init() {}
}
