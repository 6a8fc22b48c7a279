import AWSIoT

/// The AWS IoT Core twin of a lab (`aws_iot:`): the region and account its ARNs name, the policy documents as the
/// user will upload them, the registry of certificates and things, and the two listeners (MQTT on the 8883-like
/// port, MQTT and HTTPS told apart by ALPN on the 443-like one).
public struct AWSIoTSpec: Sendable {
    /// The region the policies' ARNs are evaluated in (`arn:aws:iot:REGION:ACCOUNT:…`).
    public var region = "us-east-1"
    /// The account the policies' ARNs are evaluated in, 12 digits.
    public var account = "123456789012"
    /// The policy documents by name, parsed from their files.
    public var policies: [IoTPolicyDocument] = []
    /// The lab certificates registered with AWS IoT, with their status and attached policies.
    public var certificates: [AWSIoTCertificateSpec] = []
    /// The things, with their attached certificates and attributes.
    public var things: [AWSIoTThingSpec] = []
    /// The MQTT listener as on AWS IoT's port 8883 (`port:`; 0 picks a free one).
    public var port = 8884
    /// The listener as on AWS IoT's port 443 (`alpn_port:`), nil when off.
    public var alpnPort: Int? = 443

    public init() {}

    /// The registration of the lab certificate `identity`, if it is registered.
    public func certificate(_ identity: String) -> AWSIoTCertificateSpec? {
        certificates.first { $0.identity == identity }
    }

    /// The things a registered certificate is attached to.
    public func things(attachedTo identity: String) -> [AWSIoTThingSpec] {
        things.filter { $0.certificates.contains(identity) }
    }

    /// The documents attached to the certificate `identity`, in the order written.
    public func policies(of identity: String) -> [IoTPolicyDocument] {
        guard let record = certificate(identity) else { return [] }
        return record.policies.compactMap { name in policies.first { $0.name == name } }
    }

    /// The names of the listeners it adds.
    public static let listenerName = "aws-iot"
    public static let alpnListenerName = "aws-iot-443"
    /// The protocols AWS IoT tells apart on port 443.
    public static let alpnProtocols = ["x-amzn-mqtt-ca", "x-amzn-http-ca"]
}
