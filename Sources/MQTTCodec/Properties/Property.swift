import NIOCore

/// One MQTT 5.0 property (MQTT 5.0 §2.2.2.2), with its value in the type the spec gives it.
///
/// An enum with one case per identifier, so a broker reads `case .topicAlias(let alias)` rather than
/// byte identifiers, and an impossible value (a Receive Maximum of 0) never gets past decoding.
public enum Property: Sendable, Hashable {
    case payloadFormatIndicator(isUTF8: Bool)
    case messageExpiryInterval(UInt32)
    case contentType(String)
    case responseTopic(String)
    case correlationData(ByteBuffer)
    case subscriptionIdentifier(Int)
    case sessionExpiryInterval(UInt32)
    case assignedClientIdentifier(String)
    case serverKeepAlive(UInt16)
    case authenticationMethod(String)
    case authenticationData(ByteBuffer)
    case requestProblemInformation(Bool)
    case willDelayInterval(UInt32)
    case requestResponseInformation(Bool)
    case responseInformation(String)
    case serverReference(String)
    case reasonString(String)
    case receiveMaximum(UInt16)
    case topicAliasMaximum(UInt16)
    case topicAlias(UInt16)
    case maximumQoS(QoS)
    case retainAvailable(Bool)
    case userProperty(name: String, value: String)
    case maximumPacketSize(UInt32)
    case wildcardSubscriptionAvailable(Bool)
    case subscriptionIdentifierAvailable(Bool)
    case sharedSubscriptionAvailable(Bool)

    /// The property identifier byte.
    public var identifier: UInt8 {
        switch self {
        case .payloadFormatIndicator: 0x01
        case .messageExpiryInterval: 0x02
        case .contentType: 0x03
        case .responseTopic: 0x08
        case .correlationData: 0x09
        case .subscriptionIdentifier: 0x0B
        case .sessionExpiryInterval: 0x11
        case .assignedClientIdentifier: 0x12
        case .serverKeepAlive: 0x13
        case .authenticationMethod: 0x15
        case .authenticationData: 0x16
        case .requestProblemInformation: 0x17
        case .willDelayInterval: 0x18
        case .requestResponseInformation: 0x19
        case .responseInformation: 0x1A
        case .serverReference: 0x1C
        case .reasonString: 0x1F
        case .receiveMaximum: 0x21
        case .topicAliasMaximum: 0x22
        case .topicAlias: 0x23
        case .maximumQoS: 0x24
        case .retainAvailable: 0x25
        case .userProperty: 0x26
        case .maximumPacketSize: 0x27
        case .wildcardSubscriptionAvailable: 0x28
        case .subscriptionIdentifierAvailable: 0x29
        case .sharedSubscriptionAvailable: 0x2A
        }
    }

    /// Whether a property may appear in a packet (or in the will properties), from the table in §2.2.2.2.
    static func isAllowed(_ identifier: UInt8, in context: Properties.Context) -> Bool {
        switch identifier {
        case 0x01, 0x02, 0x03, 0x08, 0x09: context == .packet(.publish) || context == .will
        case 0x0B: context == .packet(.publish) || context == .packet(.subscribe)
        case 0x11: [.packet(.connect), .packet(.connAck), .packet(.disconnect)].contains(context)
        case 0x12, 0x13, 0x1A, 0x24, 0x25, 0x28, 0x29, 0x2A: context == .packet(.connAck)
        case 0x15, 0x16: [.packet(.connect), .packet(.connAck), .packet(.auth)].contains(context)
        case 0x17, 0x19: context == .packet(.connect)
        case 0x18: context == .will
        case 0x1C: context == .packet(.connAck) || context == .packet(.disconnect)
        case 0x1F:
            ![.packet(.connect), .packet(.publish), .packet(.subscribe), .packet(.unsubscribe), .will].contains(context)
        case 0x21, 0x22, 0x27: context == .packet(.connect) || context == .packet(.connAck)
        case 0x23: context == .packet(.publish)
        case 0x26: true
        default: false
        }
    }

    /// Reads one property (identifier and value) from a complete property block.
    static func read(from buffer: inout ByteBuffer) throws(MQTTCodecError) -> Property {
        let identifier = try VariableByteInteger.readComplete(from: &buffer, "property identifier")
        func flag(_ name: String) throws(MQTTCodecError) -> Bool {
            let byte = try buffer.readMQTTByte(name)
            guard byte <= 1 else {
                throw .protocolViolation("[MQTT-2.2.2] the \(name) property is \(byte); it must be 0 or 1")
            }
            return byte == 1
        }
        /// `rule`: the normative statement's id, where the spec gives one (for Receive Maximum it only calls a 0
        /// a Protocol Error, §3.1.2.11.3 and §3.2.2.3.3).
        func nonZero(_ value: UInt16, _ name: String, rule: String? = nil) throws(MQTTCodecError) -> UInt16 {
            guard value != 0 else {
                throw .protocolViolation((rule.map { $0 + " " } ?? "") + "the \(name) property is 0, which the spec forbids")
            }
            return value
        }
        switch identifier {
        case 0x01: return .payloadFormatIndicator(isUTF8: try flag("Payload Format Indicator"))
        case 0x02: return .messageExpiryInterval(try buffer.readMQTTUInt32("Message Expiry Interval"))
        case 0x03: return .contentType(try buffer.readMQTTString("Content Type"))
        case 0x08: return .responseTopic(try buffer.readMQTTString("Response Topic"))
        case 0x09: return .correlationData(try buffer.readMQTTBinary("Correlation Data"))
        case 0x0B:
            let value = try VariableByteInteger.readComplete(from: &buffer, "Subscription Identifier")
            guard value != 0 else {
                throw .protocolViolation("[MQTT-3.8.2.1.2] the Subscription Identifier is 0")
            }
            return .subscriptionIdentifier(value)
        case 0x11: return .sessionExpiryInterval(try buffer.readMQTTUInt32("Session Expiry Interval"))
        case 0x12: return .assignedClientIdentifier(try buffer.readMQTTString("Assigned Client Identifier"))
        case 0x13: return .serverKeepAlive(try buffer.readMQTTUInt16("Server Keep Alive"))
        case 0x15: return .authenticationMethod(try buffer.readMQTTString("Authentication Method"))
        case 0x16: return .authenticationData(try buffer.readMQTTBinary("Authentication Data"))
        case 0x17: return .requestProblemInformation(try flag("Request Problem Information"))
        case 0x18: return .willDelayInterval(try buffer.readMQTTUInt32("Will Delay Interval"))
        case 0x19: return .requestResponseInformation(try flag("Request Response Information"))
        case 0x1A: return .responseInformation(try buffer.readMQTTString("Response Information"))
        case 0x1C: return .serverReference(try buffer.readMQTTString("Server Reference"))
        case 0x1F: return .reasonString(try buffer.readMQTTString("Reason String"))
        case 0x21: return .receiveMaximum(try nonZero(buffer.readMQTTUInt16("Receive Maximum"), "Receive Maximum"))
        case 0x22: return .topicAliasMaximum(try buffer.readMQTTUInt16("Topic Alias Maximum"))
        case 0x23: return .topicAlias(try nonZero(buffer.readMQTTUInt16("Topic Alias"), "Topic Alias", rule: "[MQTT-3.3.2-8]"))
        case 0x24:
            let byte = try buffer.readMQTTByte("Maximum QoS")
            guard byte <= 1, let qos = QoS(rawValue: byte) else {
                throw .protocolViolation("[MQTT-3.2.2.3.4] the Maximum QoS property is \(byte); it must be 0 or 1")
            }
            return .maximumQoS(qos)
        case 0x25: return .retainAvailable(try flag("Retain Available"))
        case 0x26:
            let name = try buffer.readMQTTString("User Property name")
            return .userProperty(name: name, value: try buffer.readMQTTString("User Property value"))
        case 0x27:
            let size = try buffer.readMQTTUInt32("Maximum Packet Size")
            guard size != 0 else { throw .protocolViolation("the Maximum Packet Size property is 0") }
            return .maximumPacketSize(size)
        case 0x28: return .wildcardSubscriptionAvailable(try flag("Wildcard Subscription Available"))
        case 0x29: return .subscriptionIdentifierAvailable(try flag("Subscription Identifier Available"))
        case 0x2A: return .sharedSubscriptionAvailable(try flag("Shared Subscription Available"))
        default:
            throw MQTTCodecError(
                .invalidProperty,
                "0x\(String(identifier, radix: 16)) is not an MQTT 5.0 property identifier"
            )
        }
    }

    /// Writes the identifier and the value.
    func write(to buffer: inout ByteBuffer) {
        VariableByteInteger.write(Int(self.identifier), to: &buffer)
        switch self {
        case .payloadFormatIndicator(let value), .requestProblemInformation(let value),
            .requestResponseInformation(let value), .retainAvailable(let value),
            .wildcardSubscriptionAvailable(let value), .subscriptionIdentifierAvailable(let value),
            .sharedSubscriptionAvailable(let value):
            buffer.writeInteger(UInt8(value ? 1 : 0))
        case .messageExpiryInterval(let value), .sessionExpiryInterval(let value), .willDelayInterval(let value),
            .maximumPacketSize(let value):
            buffer.writeInteger(value)
        case .contentType(let value), .responseTopic(let value), .assignedClientIdentifier(let value),
            .authenticationMethod(let value), .responseInformation(let value), .serverReference(let value),
            .reasonString(let value):
            buffer.writeMQTTString(value)
        case .correlationData(let value), .authenticationData(let value):
            buffer.writeMQTTBinary(value)
        case .subscriptionIdentifier(let value):
            VariableByteInteger.write(value, to: &buffer)
        case .serverKeepAlive(let value), .receiveMaximum(let value), .topicAliasMaximum(let value),
            .topicAlias(let value):
            buffer.writeInteger(value)
        case .maximumQoS(let qos):
            buffer.writeInteger(qos.rawValue)
        case .userProperty(let name, let value):
            buffer.writeMQTTString(name)
            buffer.writeMQTTString(value)
        }
    }
}
