import MQTTCodec
import NIOCore
import Testing

/// A packet and the exact bytes the spec's layout gives for it, written by hand from the figures in
/// MQTT 3.1.1 §3 and MQTT 5.0 §3.
struct MQTTPacketVector: Sendable, CustomTestStringConvertible {
    var name: String
    var version: ProtocolVersion
    var hex: String
    var packet: MQTTPacket

    var testDescription: String { "\(self.version) \(self.name)" }

    /// The vector's bytes.
    var buffer: ByteBuffer { ByteBuffer(hex: self.hex) }

    static func bytes(_ string: String) -> ByteBuffer { ByteBuffer(string: string) }

    static let v311: [MQTTPacketVector] = [
        .init(
            name: "CONNECT device-001, keep-alive 60, clean session",
            version: .v311,
            hex: "10 16 00 04 4D 51 54 54 04 02 00 3C 00 0A 64 65 76 69 63 65 2D 30 30 31",
            packet: .connect(Connect(protocolVersion: .v311, keepAlive: 60, clientIdentifier: "device-001"))
        ),
        .init(
            name: "CONNECT with will QoS 1 retained, user name and password, persistent session",
            version: .v311,
            hex: "10 1C 00 04 4D 51 54 54 04 EC 00 0A 00 02 63 31 00 01 77 00 03 62 79 65 00 01 75 00 01 70",
            packet: .connect(
                Connect(
                    protocolVersion: .v311,
                    cleanSession: false,
                    keepAlive: 10,
                    clientIdentifier: "c1",
                    will: Will(topic: "w", payload: bytes("bye"), qos: .atLeastOnce, retain: true),
                    username: "u",
                    password: bytes("p")
                )
            )
        ),
        .init(
            name: "CONNACK accepted, session present",
            version: .v311,
            hex: "20 02 01 00",
            packet: .connAck(ConnAck(sessionPresent: true))
        ),
        .init(
            name: "CONNACK not authorized",
            version: .v311,
            hex: "20 02 00 05",
            packet: .connAck(ConnAck(reasonCode: .notAuthorized))
        ),
        .init(
            name: "PUBLISH QoS 0",
            version: .v311,
            hex: "30 07 00 03 61 2F 62 68 69",
            packet: .publish(Publish(topic: "a/b", payload: bytes("hi")))
        ),
        .init(
            name: "PUBLISH QoS 1, DUP, RETAIN",
            version: .v311,
            hex: "3B 06 00 01 74 00 0A 78",
            packet: .publish(
                Publish(
                    topic: "t",
                    payload: bytes("x"),
                    qos: .atLeastOnce,
                    packetIdentifier: 10,
                    retain: true,
                    duplicate: true
                )
            )
        ),
        .init(
            name: "PUBLISH QoS 2, empty payload",
            version: .v311,
            hex: "34 05 00 01 74 12 34",
            packet: .publish(Publish(topic: "t", qos: .exactlyOnce, packetIdentifier: 0x1234))
        ),
        .init(name: "PUBACK", version: .v311, hex: "40 02 00 0A", packet: .pubAck(PubAck(packetIdentifier: 10))),
        .init(name: "PUBREC", version: .v311, hex: "50 02 00 0A", packet: .pubRec(PubRec(packetIdentifier: 10))),
        .init(name: "PUBREL", version: .v311, hex: "62 02 00 0A", packet: .pubRel(PubRel(packetIdentifier: 10))),
        .init(name: "PUBCOMP", version: .v311, hex: "70 02 00 0A", packet: .pubComp(PubComp(packetIdentifier: 10))),
        .init(
            name: "SUBSCRIBE two filters",
            version: .v311,
            hex: "82 0C 00 01 00 03 61 2F 2B 01 00 01 23 00",
            packet: .subscribe(
                Subscribe(
                    packetIdentifier: 1,
                    subscriptions: [
                        Subscription(topicFilter: "a/+", qos: .atLeastOnce), Subscription(topicFilter: "#"),
                    ]
                )
            )
        ),
        .init(
            name: "SUBACK granted QoS 1 and failure",
            version: .v311,
            hex: "90 04 00 01 01 80",
            packet: .subAck(SubAck(packetIdentifier: 1, reasonCodes: [.grantedQoS1, .unspecifiedError]))
        ),
        .init(
            name: "UNSUBSCRIBE",
            version: .v311,
            hex: "A2 07 00 02 00 03 61 2F 2B",
            packet: .unsubscribe(Unsubscribe(packetIdentifier: 2, topicFilters: ["a/+"]))
        ),
        .init(name: "UNSUBACK", version: .v311, hex: "B0 02 00 02", packet: .unsubAck(UnsubAck(packetIdentifier: 2))),
        .init(name: "PINGREQ", version: .v311, hex: "C0 00", packet: .pingReq(PingReq())),
        .init(name: "PINGRESP", version: .v311, hex: "D0 00", packet: .pingResp(PingResp())),
        .init(name: "DISCONNECT", version: .v311, hex: "E0 00", packet: .disconnect(Disconnect())),
    ]

    static let v5: [MQTTPacketVector] = [
        .init(
            name: "CONNECT device-001, keep-alive 60, clean start, no properties",
            version: .v5,
            hex: "10 17 00 04 4D 51 54 54 05 02 00 3C 00 00 0A 64 65 76 69 63 65 2D 30 30 31",
            packet: .connect(Connect(protocolVersion: .v5, keepAlive: 60, clientIdentifier: "device-001"))
        ),
        .init(
            name: "CONNECT with properties, will delay, password without user name",
            version: .v5,
            hex: "10 25 00 04 4D 51 54 54 05 46 00 3C 08 11 00 00 0E 10 21 00 14 00 01 63 "
                + "05 18 00 00 00 05 00 01 77 00 01 78 00 01 70",
            packet: .connect(
                Connect(
                    protocolVersion: .v5,
                    keepAlive: 60,
                    clientIdentifier: "c",
                    will: Will(topic: "w", payload: bytes("x"), properties: [.willDelayInterval(5)]),
                    password: bytes("p"),
                    properties: [.sessionExpiryInterval(3600), .receiveMaximum(20)]
                )
            )
        ),
        .init(
            name: "CONNACK success with Assigned Client Identifier and Topic Alias Maximum",
            version: .v5,
            hex: "20 0A 00 00 07 12 00 01 78 22 00 0A",
            packet: .connAck(ConnAck(properties: [.assignedClientIdentifier("x"), .topicAliasMaximum(10)]))
        ),
        .init(
            name: "CONNACK not authorized",
            version: .v5,
            hex: "20 03 00 87 00",
            packet: .connAck(ConnAck(reasonCode: .notAuthorized))
        ),
        .init(
            name: "PUBLISH QoS 1 with Topic Alias and a User Property",
            version: .v5,
            hex: "32 11 00 01 74 00 05 0A 23 00 03 26 00 01 6B 00 01 76 78",
            packet: .publish(
                Publish(
                    topic: "t",
                    payload: bytes("x"),
                    qos: .atLeastOnce,
                    packetIdentifier: 5,
                    properties: [.topicAlias(3), .userProperty(name: "k", value: "v")]
                )
            )
        ),
        .init(
            name: "PUBLISH QoS 0 with an empty topic and a Topic Alias",
            version: .v5,
            hex: "30 06 00 00 03 23 00 03",
            packet: .publish(Publish(topic: "", properties: [.topicAlias(3)]))
        ),
        .init(
            name: "PUBACK success, reason code left out",
            version: .v5,
            hex: "40 02 00 05",
            packet: .pubAck(PubAck(packetIdentifier: 5))
        ),
        .init(
            name: "PUBACK no matching subscribers, properties left out",
            version: .v5,
            hex: "40 03 00 05 10",
            packet: .pubAck(PubAck(packetIdentifier: 5, reasonCode: .noMatchingSubscribers))
        ),
        .init(
            name: "PUBREC unspecified error with a Reason String",
            version: .v5,
            hex: "50 09 00 05 80 05 1F 00 02 6E 6F",
            packet: .pubRec(
                PubRec(packetIdentifier: 5, reasonCode: .unspecifiedError, properties: [.reasonString("no")])
            )
        ),
        .init(
            name: "PUBREL packet identifier not found",
            version: .v5,
            hex: "62 03 00 05 92",
            packet: .pubRel(PubRel(packetIdentifier: 5, reasonCode: .packetIdentifierNotFound))
        ),
        .init(
            name: "PUBCOMP success",
            version: .v5,
            hex: "70 02 00 05",
            packet: .pubComp(PubComp(packetIdentifier: 5))
        ),
        .init(
            name: "SUBSCRIBE with Subscription Identifier, No Local, Retain As Published, Retain Handling 2",
            version: .v5,
            hex: "82 0B 00 01 02 0B 07 00 03 61 2F 23 2E",
            packet: .subscribe(
                Subscribe(
                    packetIdentifier: 1,
                    subscriptions: [
                        Subscription(
                            topicFilter: "a/#",
                            qos: .exactlyOnce,
                            noLocal: true,
                            retainAsPublished: true,
                            retainHandling: .doNotSend
                        )
                    ],
                    properties: [.subscriptionIdentifier(7)]
                )
            )
        ),
        .init(
            name: "SUBACK granted QoS 2 and topic filter invalid",
            version: .v5,
            hex: "90 05 00 01 00 02 8F",
            packet: .subAck(SubAck(packetIdentifier: 1, reasonCodes: [.grantedQoS2, .topicFilterInvalid]))
        ),
        .init(
            name: "UNSUBSCRIBE",
            version: .v5,
            hex: "A2 06 00 02 00 00 01 61",
            packet: .unsubscribe(Unsubscribe(packetIdentifier: 2, topicFilters: ["a"]))
        ),
        .init(
            name: "UNSUBACK success and no subscription existed",
            version: .v5,
            hex: "B0 05 00 02 00 00 11",
            packet: .unsubAck(UnsubAck(packetIdentifier: 2, reasonCodes: [.success, .noSubscriptionExisted]))
        ),
        .init(name: "PINGREQ", version: .v5, hex: "C0 00", packet: .pingReq(PingReq())),
        .init(name: "PINGRESP", version: .v5, hex: "D0 00", packet: .pingResp(PingResp())),
        .init(name: "DISCONNECT normal, body left out", version: .v5, hex: "E0 00", packet: .disconnect(Disconnect())),
        .init(
            name: "DISCONNECT session taken over",
            version: .v5,
            hex: "E0 01 8E",
            packet: .disconnect(Disconnect(reasonCode: .sessionTakenOver))
        ),
        .init(
            name: "DISCONNECT with will message and Session Expiry Interval 0",
            version: .v5,
            hex: "E0 07 04 05 11 00 00 00 00",
            packet: .disconnect(
                Disconnect(reasonCode: .disconnectWithWillMessage, properties: [.sessionExpiryInterval(0)])
            )
        ),
        .init(
            name: "AUTH continue authentication with a method",
            version: .v5,
            hex: "F0 06 18 04 15 00 01 6D",
            packet: .auth(Auth(reasonCode: .continueAuthentication, properties: [.authenticationMethod("m")]))
        ),
        .init(name: "AUTH success, body left out", version: .v5, hex: "F0 00", packet: .auth(Auth())),
    ]

    static let all = v311 + v5
}
