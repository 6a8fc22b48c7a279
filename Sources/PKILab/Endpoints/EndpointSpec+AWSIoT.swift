import MQTTBroker

/// What makes an endpoint an AWS IoT Core twin as a device's TLS stack sees it: an `mqtt` listener with
/// `behaviour: aws`, and among those the ALPN-dispatching port 443.
extension EndpointSpec {
    /// The ALPN protocols AWS IoT hands to MQTT on port 443: `x-amzn-mqtt-ca` (client certificate) and `mqtt`
    /// (custom authorizer; the lab checks a client certificate either way).
    public static let awsMQTTProtocols = ["x-amzn-mqtt-ca", "mqtt"]
    /// The ALPN protocol AWS IoT hands to its HTTPS publish API on port 443.
    public static let awsHTTPSProtocol = "x-amzn-http-ca"

    /// Whether it is a TLS MQTT listener with `behaviour: aws`: it offers AWS's TLS 1.2 suites (unless `ciphers:`
    /// says otherwise) and never resumes a TLS session.
    public var isAWSIoT: Bool { kind == .mqtt && !isPlainMQTT && mqtt.behaviour == .aws }

    /// Whether it is AWS IoT's port 443 twin: an AWS listener whose `alpn:` lists `x-amzn-mqtt-ca`. After the
    /// handshake it hands a connection to the broker or to the HTTPS routes by the ALPN protocol negotiated, and
    /// holds one that negotiated neither without answering it, as AWS does.
    public var dispatchesByALPN: Bool { isAWSIoT && alpn.contains("x-amzn-mqtt-ca") }

    /// Whether `name` is one of AWS IoT's own ALPN protocols, which mean something only to an AWS listener.
    public static func isAWSProtocol(_ name: String) -> Bool { name.hasPrefix("x-amzn-") }
}
