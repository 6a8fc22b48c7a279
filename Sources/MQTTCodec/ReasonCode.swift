/// An MQTT 5.0 reason code (MQTT 5.0 §2.4), and the one place codec errors become codes to send.
///
/// A struct rather than an enum because the same byte means different things in different packets
/// (0x00 is "Success", "Normal disconnection" and "Granted QoS 0"), and a peer may send a code this
/// library has no name for; the broker still needs to log it.
public struct ReasonCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public static let success = ReasonCode(rawValue: 0x00)
    public static let normalDisconnection = ReasonCode(rawValue: 0x00)
    public static let grantedQoS0 = ReasonCode(rawValue: 0x00)
    public static let grantedQoS1 = ReasonCode(rawValue: 0x01)
    public static let grantedQoS2 = ReasonCode(rawValue: 0x02)
    public static let disconnectWithWillMessage = ReasonCode(rawValue: 0x04)
    public static let noMatchingSubscribers = ReasonCode(rawValue: 0x10)
    public static let noSubscriptionExisted = ReasonCode(rawValue: 0x11)
    public static let continueAuthentication = ReasonCode(rawValue: 0x18)
    public static let reAuthenticate = ReasonCode(rawValue: 0x19)
    public static let unspecifiedError = ReasonCode(rawValue: 0x80)
    public static let malformedPacket = ReasonCode(rawValue: 0x81)
    public static let protocolError = ReasonCode(rawValue: 0x82)
    public static let implementationSpecificError = ReasonCode(rawValue: 0x83)
    public static let unsupportedProtocolVersion = ReasonCode(rawValue: 0x84)
    public static let clientIdentifierNotValid = ReasonCode(rawValue: 0x85)
    public static let badUserNameOrPassword = ReasonCode(rawValue: 0x86)
    public static let notAuthorized = ReasonCode(rawValue: 0x87)
    public static let serverUnavailable = ReasonCode(rawValue: 0x88)
    public static let serverBusy = ReasonCode(rawValue: 0x89)
    public static let banned = ReasonCode(rawValue: 0x8A)
    public static let serverShuttingDown = ReasonCode(rawValue: 0x8B)
    public static let badAuthenticationMethod = ReasonCode(rawValue: 0x8C)
    public static let keepAliveTimeout = ReasonCode(rawValue: 0x8D)
    public static let sessionTakenOver = ReasonCode(rawValue: 0x8E)
    public static let topicFilterInvalid = ReasonCode(rawValue: 0x8F)
    public static let topicNameInvalid = ReasonCode(rawValue: 0x90)
    public static let packetIdentifierInUse = ReasonCode(rawValue: 0x91)
    public static let packetIdentifierNotFound = ReasonCode(rawValue: 0x92)
    public static let receiveMaximumExceeded = ReasonCode(rawValue: 0x93)
    public static let topicAliasInvalid = ReasonCode(rawValue: 0x94)
    public static let packetTooLarge = ReasonCode(rawValue: 0x95)
    public static let messageRateTooHigh = ReasonCode(rawValue: 0x96)
    public static let quotaExceeded = ReasonCode(rawValue: 0x97)
    public static let administrativeAction = ReasonCode(rawValue: 0x98)
    public static let payloadFormatInvalid = ReasonCode(rawValue: 0x99)
    public static let retainNotSupported = ReasonCode(rawValue: 0x9A)
    public static let qosNotSupported = ReasonCode(rawValue: 0x9B)
    public static let useAnotherServer = ReasonCode(rawValue: 0x9C)
    public static let serverMoved = ReasonCode(rawValue: 0x9D)
    public static let sharedSubscriptionsNotSupported = ReasonCode(rawValue: 0x9E)
    public static let connectionRateExceeded = ReasonCode(rawValue: 0x9F)
    public static let maximumConnectTime = ReasonCode(rawValue: 0xA0)
    public static let subscriptionIdentifiersNotSupported = ReasonCode(rawValue: 0xA1)
    public static let wildcardSubscriptionsNotSupported = ReasonCode(rawValue: 0xA2)

    /// Whether the code reports a failure (0x80 and above, MQTT 5.0 §2.4).
    public var isFailure: Bool {
        self.rawValue >= 0x80
    }

    public var description: String {
        "0x" + String(self.rawValue, radix: 16, uppercase: true).leftPadded(to: 2)
    }

    /// The MQTT 3.1.1 CONNACK return code that says the same thing, or nil when 3.1.1 has none (a
    /// 3.1.1 server then closes the connection without a CONNACK).
    public var connectReturnCode: ConnectReturnCode? {
        switch self {
        case .success: .accepted
        case .unsupportedProtocolVersion: .unacceptableProtocolVersion
        case .clientIdentifierNotValid: .identifierRejected
        case .serverUnavailable, .serverBusy, .serverShuttingDown, .quotaExceeded: .serverUnavailable
        case .badUserNameOrPassword, .badAuthenticationMethod: .badUserNameOrPassword
        case .notAuthorized, .banned: .notAuthorized
        default: nil
        }
    }

    /// The MQTT 5.0 reason code for a 3.1.1 CONNACK return code.
    public init(_ returnCode: ConnectReturnCode) {
        switch returnCode {
        case .accepted: self = .success
        case .unacceptableProtocolVersion: self = .unsupportedProtocolVersion
        case .identifierRejected: self = .clientIdentifierNotValid
        case .serverUnavailable: self = .serverUnavailable
        case .badUserNameOrPassword: self = .badUserNameOrPassword
        case .notAuthorized: self = .notAuthorized
        }
    }
}

extension MQTTCodecError {
    /// The v5 reason code to put in the CONNACK or DISCONNECT that closes the connection.
    public var reasonCode: ReasonCode {
        switch self.code {
        case .packetTooLarge: .packetTooLarge
        case .unsupportedProtocolVersion: .unsupportedProtocolVersion
        case .protocolViolation, .duplicateProperty: .protocolError
        case .invalidTopic: .topicNameInvalid
        case .malformedVariableByteInteger, .invalidFlags, .invalidUTF8, .malformedPacket, .unknownPacketType,
            .invalidProtocolName, .invalidProperty:
            .malformedPacket
        }
    }

    /// The 3.1.1 CONNACK return code to answer a bad CONNECT with, or nil when 3.1.1 says to close the
    /// connection without one ([MQTT-3.1.4-1]: only an unacceptable protocol level gets a CONNACK).
    public var connectReturnCode: ConnectReturnCode? {
        switch self.code {
        case .unsupportedProtocolVersion: .unacceptableProtocolVersion
        default: nil
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - self.count)) + self
    }
}
