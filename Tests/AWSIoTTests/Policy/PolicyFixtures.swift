import AWSIoT

/// Policies modelled on the examples in AWS IoT's developer guide (per-thing, attached-only, shadow, retained Will,
/// certificate variables, the `a/#` surprise), and the request contexts the tests evaluate them in.
enum PolicyFixtures {
    static let region = "us-east-1"
    static let account = "123456789012"
    static let arn = "arn:aws:iot:us-east-1:123456789012:"

    /// Per-thing policy: connect as your thing, publish and receive under your thing's topic, subscribe to it.
    static let perThing = #"""
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Effect": "Allow",
          "Action": "iot:Connect",
          "Resource": "arn:aws:iot:us-east-1:123456789012:client/${iot:Connection.Thing.ThingName}"
        },
        {
          "Effect": "Allow",
          "Action": ["iot:Publish", "iot:Receive"],
          "Resource": "arn:aws:iot:us-east-1:123456789012:topic/${iot:Connection.Thing.ThingName}/*"
        },
        {
          "Effect": "Allow",
          "Action": "iot:Subscribe",
          "Resource": "arn:aws:iot:us-east-1:123456789012:topicfilter/${iot:Connection.Thing.ThingName}/*"
        }
      ]
    }
    """#

    /// Connect with any client ID, but only when the certificate is attached to the thing named by it.
    static let attachedOnly = #"""
    {
      "Version": "2012-10-17",
      "Statement": [{
        "Effect": "Allow",
        "Action": "iot:Connect",
        "Resource": "*",
        "Condition": {"Bool": {"iot:Connection.Thing.IsAttached": "true"}}
      }]
    }
    """#

    /// Get a thing's classic shadow over MQTT: publish get, subscribe and receive get/accepted and get/rejected.
    static let shadowGet = #"""
    {
      "Version": "2012-10-17",
      "Statement": [
        {"Effect": "Allow", "Action": "iot:Connect", "Resource": "arn:aws:iot:us-east-1:123456789012:client/${iot:ClientId}"},
        {"Effect": "Allow", "Action": "iot:Publish",
         "Resource": "arn:aws:iot:us-east-1:123456789012:topic/$aws/things/${iot:Connection.Thing.ThingName}/shadow/get"},
        {"Effect": "Allow", "Action": "iot:Subscribe",
         "Resource": ["arn:aws:iot:us-east-1:123456789012:topicfilter/$aws/things/${iot:Connection.Thing.ThingName}/shadow/get/accepted",
                      "arn:aws:iot:us-east-1:123456789012:topicfilter/$aws/things/${iot:Connection.Thing.ThingName}/shadow/get/rejected"]},
        {"Effect": "Allow", "Action": "iot:Receive",
         "Resource": ["arn:aws:iot:us-east-1:123456789012:topic/$aws/things/${iot:Connection.Thing.ThingName}/shadow/get/accepted",
                      "arn:aws:iot:us-east-1:123456789012:topic/$aws/things/${iot:Connection.Thing.ThingName}/shadow/get/rejected"]},
        {"Effect": "Allow", "Action": ["iot:GetThingShadow", "iot:UpdateThingShadow"],
         "Resource": "arn:aws:iot:us-east-1:123456789012:thing/${iot:Connection.Thing.ThingName}"}
      ]
    }
    """#

    /// Retained Will: connect only with a Will, publish (and retain) on topic `will`.
    static let retainedWill = #"""
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Effect": "Allow",
          "Action": "iot:Connect",
          "Resource": "arn:aws:iot:us-east-1:123456789012:client/*",
          "Condition": {"ForAnyValue:StringEquals": {"iot:ConnectAttributes": ["LastWill"]}}
        },
        {
          "Effect": "Allow",
          "Action": ["iot:Publish", "iot:RetainPublish"],
          "Resource": "arn:aws:iot:us-east-1:123456789012:topic/will"
        }
      ]
    }
    """#

    /// Certificate variables: connect as the subject's common name, publish under the organization.
    static let certificateVariables = #"""
    {
      "Version": "2012-10-17",
      "Statement": [
        {"Effect": "Allow", "Action": "iot:Connect",
         "Resource": "arn:aws:iot:us-east-1:123456789012:client/${iot:Certificate.Subject.CommonName}"},
        {"Effect": "Allow", "Action": "iot:Publish",
         "Resource": "arn:aws:iot:us-east-1:123456789012:topic/${iot:Certificate.Subject.Organization}/${iot:Certificate.Subject.CommonName}/*"}
      ]
    }
    """#

    /// AWS's documented surprise: Allow `topicfilter/a/*`, Deny `topicfilter/a/restricted/*`; `a/#` is allowed.
    static let restrictedSubtree = #"""
    {
      "Version": "2012-10-17",
      "Statement": [
        {"Effect": "Allow", "Action": "iot:Subscribe", "Resource": "arn:aws:iot:us-east-1:123456789012:topicfilter/a/*"},
        {"Sid": "NoRestricted", "Effect": "Deny", "Action": "iot:Subscribe",
         "Resource": "arn:aws:iot:us-east-1:123456789012:topicfilter/a/restricted/*"},
        {"Effect": "Allow", "Action": "iot:Receive", "Resource": "arn:aws:iot:us-east-1:123456789012:topic/a/*"},
        {"Sid": "NoRestrictedDelivery", "Effect": "Deny", "Action": "iot:Receive",
         "Resource": "arn:aws:iot:us-east-1:123456789012:topic/a/restricted/*"}
      ]
    }
    """#

    /// The common mistake: MQTT wildcards in an ARN, which are literal there.
    static let mqttWildcards = #"""
    {
      "Version": "2012-10-17",
      "Statement": [
        {"Effect": "Allow", "Action": "iot:Subscribe",
         "Resource": "arn:aws:iot:us-east-1:123456789012:topicfilter/sensors/+/temperature"},
        {"Effect": "Allow", "Action": "iot:Subscribe", "Resource": "arn:aws:iot:us-east-1:123456789012:topicfilter/alerts/#"}
      ]
    }
    """#

    /// The device policy of the explanation examples: a Deny with a Sid on firmware topics.
    static let device = #"""
    {
      "Version": "2012-10-17",
      "Statement": [
        {"Effect": "Allow", "Action": "iot:Connect", "Resource": "arn:aws:iot:us-east-1:123456789012:client/${iot:ClientId}"},
        {
          "Sid": "Telemetry",
          "Effect": "Allow",
          "Action": ["iot:Publish", "iot:Subscribe", "iot:Receive"],
          "Resource": [
            "arn:aws:iot:us-east-1:123456789012:topic/devices/${iot:ClientId}/*",
            "arn:aws:iot:us-east-1:123456789012:topicfilter/devices/${iot:ClientId}/*"
          ]
        },
        {
          "Sid": "NoFirmware",
          "Effect": "Deny",
          "Action": "iot:Publish",
          "Resource": "arn:aws:iot:us-east-1:123456789012:topic/devices/*/firmware"
        }
      ]
    }
    """#

    static func document(_ text: String, name: String = "DevicePolicy", file: String = "policies/device.json") throws -> IoTPolicyDocument {
        try IoTPolicyDocument(parsing: text, name: name, file: file)
    }

    static func evaluator(_ texts: String...) throws -> IoTPolicyEvaluator {
        try IoTPolicyEvaluator(policies: texts.map { try document($0) }, region: region, account: account)
    }

    static let certificateID = String(repeating: "ab", count: 32)

    /// A client whose certificate is attached to the thing named as its client ID.
    static func attached(_ name: String, type: String? = nil, attributes: [String: String] = [:]) -> IoTRequestContext {
        IoTRequestContext(
            clientID: name, thing: .init(name: name, typeName: type, attributes: attributes, isAttached: true),
            certificate: certificate(commonName: name), sourceIP: "192.0.2.10")
    }

    /// A client with a certificate but no thing.
    static func unattached(_ clientID: String) -> IoTRequestContext {
        IoTRequestContext(clientID: clientID, certificate: certificate(commonName: clientID), sourceIP: "192.0.2.10")
    }

    static func certificate(commonName: String, organization: String = "pkilab") -> IoTCertificateContext {
        IoTCertificateContext(
            id: certificateID,
            subject: [("CommonName", commonName), ("Organization", organization), ("OrganizationalUnit", "sensors"),
                      ("OrganizationalUnit", "line-2")],
            issuer: [("CommonName", "pkilab Device CA"), ("Organization", "pkilab")],
            serialNumber: "1a2b3c",
            subjectAlternativeNames: .init(dnsNames: ["\(commonName).devices.example"], ipAddresses: ["192.0.2.10"]))
    }
}
