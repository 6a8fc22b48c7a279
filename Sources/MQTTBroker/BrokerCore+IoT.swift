import AWSIoT
import MQTTCodec
import NIOCore

/// The AWS IoT twin's part of the broker: who may connect (the registry), what the attached policy documents
/// allow, the `$aws/…` topics the twin answers, and the lifecycle events it publishes.
extension BrokerCore {
    /// Why a CONNECT to an `aws` listener with a twin is refused before CONNACK, or the access it is granted.
    enum IoTAdmission {
        case admitted(IoTAccess)
        case refused(BrokerEvent.Reason, String, hint: String, connectFailed: Bool)
    }

    /// Checks a CONNECT as AWS IoT Core does: a registered, ACTIVE certificate; `iot:Connect` on `client/<id>` (with
    /// `iot:ConnectAttributes` PersistentConnect and LastWill); the will topic under `iot:Publish` (and
    /// `iot:RetainPublish` for a retained will).
    func iotAdmission(_ connect: Connect, connection: BrokerConnection, clientID: String, twin: IoTTwin) -> IoTAdmission {
        guard let identity = connection.identity, let fingerprint = identity.fingerprint else {
            return .refused(.noIdentity, "\(connection.who) has no client certificate, and AWS IoT's X.509 endpoints need one",
                            hint: "connect with a lab client certificate registered under aws_iot.certificates", connectFailed: false)
        }
        guard let principal = twin.principal(fingerprint: fingerprint) else {
            let id = IoTTwin.certificateID(fingerprint)
            return .refused(.certificateNotRegistered,
                            "\(identity.name) connected with a certificate that is not registered with the AWS IoT twin (certificate id \(id.prefix(12))…); AWS IoT completes the TLS handshake and closes the connection before CONNACK",
                            hint: "register it: add \(identity.name): { status: ACTIVE, policies: [YourPolicy] } under aws_iot.certificates in lab.yaml (on AWS: aws iot register-certificate, then attach a policy)",
                            connectFailed: false)
        }
        guard principal.status.connects else {
            return .refused(.certificateInactive,
                            "\(identity.name)'s certificate is \(principal.status.rawValue) in the AWS IoT twin's registry: AWS IoT \(principal.status.onConnect)",
                            hint: principal.status == .revoked
                                ? "issue the device a new certificate (pkilab issue) and register that one"
                                : "set status: ACTIVE under aws_iot.certificates.\(principal.identity) (on AWS: aws iot update-certificate --new-status ACTIVE)",
                            connectFailed: false)
        }
        var context = IoTRequestContext(clientID: clientID)
        context.certificate = principal.certificate
        context.sourceIP = Self.address(of: connection.peer)
        let persistent = connect.protocolVersion == .v5 ? (connect.properties.sessionExpiryInterval ?? 0) > 0 : !connect.cleanSession
        if persistent { context.connectAttributes.insert("PersistentConnect") }
        if connect.will != nil { context.connectAttributes.insert("LastWill") }
        var thingName: String?
        if let thing = twin.things[clientID] {
            let attached = thing.principals.contains(principal.certificateID)
            context.thing = IoTRequestContext.Thing(name: thing.name, typeName: thing.typeName, attributes: thing.attributes, isAttached: attached)
            if attached { thingName = thing.name }
        }
        let access = IoTAccess(principal: principal, context: context, thingName: thingName, sessionIdentifier: Self.uuid(), disconnectReason: nil)
        if principal.policyNames.isEmpty {
            return .refused(.connectDenied,
                            "\(identity.name)'s certificate is ACTIVE but has no policy attached, so iot:Connect is denied (default deny); AWS IoT closes the connection without CONNACK",
                            hint: "attach a policy: policies: [YourPolicy] under aws_iot.certificates.\(principal.identity)", connectFailed: true)
        }
        let decision = access.decide(.connect, clientID)
        guard decision.allowed else {
            return .refused(.connectDenied, "\(identity.name) connected as client id \"\(clientID)\": \(decision.explanation)",
                            hint: Self.hint(for: .connect, decision), connectFailed: true)
        }
        if let will = connect.will {
            let publish = access.decide(.publish, will.topic)
            guard publish.allowed else {
                return .refused(.willDenied, "\(identity.name) set a will on \(will.topic): \(publish.explanation)",
                                hint: Self.hint(for: .publish, publish), connectFailed: true)
            }
            if will.retain {
                let retain = access.decide(.retainPublish, will.topic)
                guard retain.allowed else {
                    return .refused(.willDenied, "\(identity.name) set a retained will on \(will.topic): \(retain.explanation)",
                                    hint: Self.hint(for: .retainPublish, retain), connectFailed: true)
                }
            }
        }
        return .admitted(access)
    }

    /// The twin's verdict on a PUBLISH (with `iot:RetainPublish` when retained) or a SUBSCRIBE; nil when allowed.
    /// A refusal closes the connection as AWS IoT does (MQTT 5 hears DISCONNECT 0x87 first).
    mutating func iotRefusal(_ action: PolicyRule.Action, _ target: String, retain: Bool, access: IoTAccess, on connection: BrokerConnection,
                             now: NIODeadline, into actions: inout [BrokerAction]) -> (explanation: String, hint: String, closed: Bool)? {
        var decision = access.decide(action == .publish ? .publish : .subscribe, target)
        if decision.allowed, action == .publish, retain { decision = access.decide(.retainPublish, target) }
        guard !decision.allowed else { return nil }
        let verb = action == .publish ? (retain ? "publish a retained message to" : "publish to") : "subscribe to"
        let explanation = "\(connection.who) tried to \(verb) \(target): \(decision.explanation)"
        let hint = Self.hint(for: decision.action, decision)
        connections[connection.id]?.iot?.disconnectReason = .forbiddenAccess
        if connection.version == .v5 {
            actions.append(.send(connection.id, .disconnect(Disconnect(reasonCode: .notAuthorized))))
        }
        event(.refused, BrokerEvent.Reason(denied: action), explanation + "; as AWS IoT does, the broker closed the connection",
              hint: hint, on: connection, topic: target, sentCode: connection.version == .v5 ? ReasonCode.notAuthorized.rawValue : nil,
              closing: true, into: &actions)
        close(connection.id, abnormal: true, now: now, into: &actions)
        return (explanation, hint, true)
    }

    /// Whether the session's owner may receive `topic` (`iot:Receive`, checked per delivery); the refusal's sentence
    /// otherwise.
    func iotReceiveRefusal(_ topic: String, session: Session) -> String? {
        guard let access = session.iot else { return nil }
        let decision = access.decide(.receive, topic)
        return decision.allowed ? nil : decision.explanation
    }

    /// What to change, in one clause, after a denial.
    static func hint(for action: IoTAction, _ decision: IoTPolicyDecision) -> String {
        let check = "pkilab policy check FILE --as IDENTITY --action \(action.rawValue.dropFirst(4).lowercased()) tells the same offline"
        if decision.statement?.effect == .deny { return "an explicit Deny always wins: narrow that statement, or use another resource; \(check)" }
        if !decision.unresolvedVariables.isEmpty {
            return "a policy variable stayed unreplaced: use the thing name as client id and attach the certificate to that thing (aws_iot.things); \(check)"
        }
        return "add an Allow for \(action.rawValue) on \(decision.resource) to a policy attached to the certificate (AWS applies edits in 6–8 minutes, the lab on restart); \(check)"
    }

    /// A random version-4 UUID: lifecycle events' sessionIdentifier, and the `auto-` client ids the broker assigns.
    static func uuid() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        return [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)].joined(separator: "-")
    }

    /// The address part of `host:port` or `[v6]:port`.
    static func address(of peer: String) -> String {
        if peer.hasPrefix("["), let end = peer.firstIndex(of: "]") { return String(peer[peer.index(after: peer.startIndex)..<end]) }
        guard let colon = peer.lastIndex(of: ":"), peer.firstIndex(of: ":") == colon else { return peer }
        return String(peer[..<colon])
    }
}
