import AWSIoT
import MQTTBroker
import MQTTCodec
import NIOCore

/// A broker with an AWS IoT twin as the lab makes it: device-001 and device-002 registered (ACTIVE) with the
/// per-thing policy of AWS's documentation, device-003 INACTIVE, device-004 ACTIVE without a policy, device-005 not
/// registered; things device-001 and device-002, each with its own certificate attached.
enum TwinFixture {
    static let region = "us-east-1"
    static let account = "123456789012"
    static let arn = "arn:aws:iot:us-east-1:123456789012:"

    /// AWS's "thing policy variables" example, extended to the thing's shadow and jobs topics and the lifecycle events.
    static let perThing = """
        {
          "Version": "2012-10-17",
          "Statement": [
            { "Sid": "ConnectAsThing", "Effect": "Allow", "Action": "iot:Connect",
              "Resource": "\(arn)client/${iot:Connection.Thing.ThingName}" },
            { "Effect": "Allow", "Action": ["iot:Publish", "iot:Receive"],
              "Resource": ["\(arn)topic/${iot:Connection.Thing.ThingName}/*", "\(arn)topic/$aws/things/${iot:Connection.Thing.ThingName}/*"] },
            { "Effect": "Allow", "Action": "iot:Subscribe",
              "Resource": ["\(arn)topicfilter/${iot:Connection.Thing.ThingName}/*", "\(arn)topicfilter/$aws/things/${iot:Connection.Thing.ThingName}/*",
                           "\(arn)topicfilter/$aws/events/*", "\(arn)topicfilter/broadcast/*"] },
            { "Effect": "Allow", "Action": "iot:Receive", "Resource": "\(arn)topic/$aws/events/*" },
            { "Sid": "NoFirmware", "Effect": "Deny", "Action": "iot:Publish", "Resource": "\(arn)topic/*/firmware" }
          ]
        }
        """

    static func fingerprint(_ identity: String) -> String {
        // A stand-in SHA-256: 64 hex digits unique per identity.
        let hex = Array(identity.utf8).map { String($0, radix: 16) }.joined()
        return String((hex + String(repeating: "0", count: 64)).prefix(64))
    }

    static func principal(_ identity: String, status: IoTCertificateStatus = .active, policies: [IoTPolicyDocument]) -> IoTTwin.Principal {
        let id = fingerprint(identity)
        return IoTTwin.Principal(identity: identity, certificateID: id, status: status, policyNames: policies.map(\.name),
                                 evaluator: IoTPolicyEvaluator(policies: policies, region: region, account: account),
                                 certificate: IoTCertificateContext(id: id, subject: [("CommonName", identity)]))
    }

    static func twin(clock: Int64 = 1_700_000_000_000) throws -> IoTTwin {
        let policy = try IoTPolicyDocument(parsing: perThing, name: "DevicePolicy", file: "aws/device-policy.json")
        let principals = [
            principal("device-001", policies: [policy]), principal("device-002", policies: [policy]),
            principal("device-003", status: .inactive, policies: [policy]), principal("device-004", policies: []),
        ]
        var things: [String: IoTTwin.Thing] = [:]
        for name in ["device-001", "device-002"] {
            things[name] = IoTTwin.Thing(name: name, typeName: "sensor", attributes: ["room": "lab"], principals: [fingerprint(name)])
        }
        return IoTTwin(region: region, account: account, principals: Dictionary(uniqueKeysWithValues: principals.map { ($0.certificateID, $0) }),
                       things: things, presign: { url in "https://s3.lab.test:9443/signed?for=" + url.split(separator: "/").last.map(String.init)! },
                       clock: { clock })
    }

    static func harness() throws -> BrokerHarness {
        var harness = BrokerHarness()
        harness.core = BrokerCore(policy: nil, twin: try twin())
        return harness
    }
}

extension BrokerHarness {
    /// Opens a connection to the aws listener with `identity`'s certificate (fingerprint as the twin knows it) and
    /// sends CONNECT.
    @discardableResult
    mutating func connectTwin(_ clientID: String, as identity: String, version: ProtocolVersion = .v311, clean: Bool = true,
                              will: Will? = nil) -> ConnectionID {
        let id = newConnectionID()
        var client = ClientIdentity(name: identity, commonName: identity, subject: "CN=\(identity)")
        client.fingerprint = TwinFixture.fingerprint(identity)
        core.open(id, listener: BrokerHarness.aws, identity: client, peer: "192.0.2.7:\(40_000 + id.rawValue)")
        send(id, .connect(Connect(protocolVersion: version, cleanSession: clean, keepAlive: 60, clientIdentifier: clientID, will: will)))
        return id
    }

    /// The CONNACK sent to `id`, if any.
    func connAck(_ id: ConnectionID) -> ConnAck? {
        sent[id]?.lazy.compactMap { if case .connAck(let ack) = $0 { return ack } else { return nil } }.first
    }
}
