import PKILab

/// Where a running endpoint is and how to reach it: the ready file `ca/endpoints.json` and `pkilab up --json`.
public struct RunningEndpoint: Sendable, Codable {
    public var name: String
    public var kind: EndpointSpec.Kind
    public var host: String
    public var port: Int
    public var url: String
    public var certificate: String
    public var clientAuth: EndpointSpec.ClientAuth
    public var clientChain: EndpointSpec.ClientChain
    public var trust: [String]
    public var tls: String
    /// MQTT: `mosquitto` or `aws`.
    public var behaviour: String?
    /// The zoo's bad servers: which one (a ``ZooServer`` raw value).
    public var zoo: String?
    /// AWS IoT's port 443 twin: the ALPN protocols it dispatches by, which a client must offer
    /// (`--tls-alpn x-amzn-mqtt-ca`); nil elsewhere.
    public var alpn: [String]? = nil
}
