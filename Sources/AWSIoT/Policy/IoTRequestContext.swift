/// What AWS IoT knows about a request when it evaluates policies: the values behind policy variables and
/// condition keys.
public struct IoTRequestContext: Sendable, Hashable {
    public typealias Thing = IoTThingContext
    public typealias Certificate = IoTCertificateContext

    /// The MQTT client ID (`${iot:ClientId}`).
    public var clientID: String
    /// The thing whose name is the client ID, if the registry has one.
    public var thing: Thing?
    /// The client certificate, if the connection authenticated with one.
    public var certificate: Certificate?
    /// The client's address (`${aws:SourceIp}`, `aws:SourceIp` for `IpAddress` conditions).
    public var sourceIP: String?
    /// `iot:ConnectAttributes` of the CONNECT: `PersistentConnect` (a session kept across connections) and
    /// `LastWill` (the CONNECT carries a Will). Empty for a clean, Will-less connection.
    public var connectAttributes: Set<String>

    public init(
        clientID: String, thing: Thing? = nil, certificate: Certificate? = nil, sourceIP: String? = nil,
        connectAttributes: Set<String> = []
    ) {
        self.clientID = clientID
        self.thing = thing
        self.certificate = certificate
        self.sourceIP = sourceIP
        self.connectAttributes = connectAttributes
    }
}
