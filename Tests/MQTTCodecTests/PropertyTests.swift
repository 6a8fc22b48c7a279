import MQTTCodec
import NIOCore
import Testing

@Suite("MQTT 5.0 properties")
struct PropertyTests {
    /// Every property of MQTT 5.0 §2.2.2.2 with a value, in a packet that may carry it.
    static let hosted: [(Property, String)] = [
        (.payloadFormatIndicator(isUTF8: true), "01 01"),
        (.messageExpiryInterval(86_400), "02 00 01 51 80"),
        (.contentType("text/plain"), "03 00 0A 74 65 78 74 2F 70 6C 61 69 6E"),
        (.responseTopic("r"), "08 00 01 72"),
        (.correlationData(ByteBuffer(bytes: [1, 2])), "09 00 02 01 02"),
        (.subscriptionIdentifier(268_435_455), "0B FF FF FF 7F"),
        (.sessionExpiryInterval(0xFFFF_FFFF), "11 FF FF FF FF"),
        (.assignedClientIdentifier("id"), "12 00 02 69 64"),
        (.serverKeepAlive(30), "13 00 1E"),
        (.authenticationMethod("SCRAM"), "15 00 05 53 43 52 41 4D"),
        (.authenticationData(ByteBuffer(bytes: [0xFF])), "16 00 01 FF"),
        (.requestProblemInformation(false), "17 00"),
        (.willDelayInterval(10), "18 00 00 00 0A"),
        (.requestResponseInformation(true), "19 01"),
        (.responseInformation("ri"), "1A 00 02 72 69"),
        (.serverReference("s"), "1C 00 01 73"),
        (.reasonString("why"), "1F 00 03 77 68 79"),
        (.receiveMaximum(65_535), "21 FF FF"),
        (.topicAliasMaximum(0), "22 00 00"),
        (.topicAlias(1), "23 00 01"),
        (.maximumQoS(.atLeastOnce), "24 01"),
        (.retainAvailable(false), "25 00"),
        (.userProperty(name: "a", value: "b"), "26 00 01 61 00 01 62"),
        (.maximumPacketSize(1024), "27 00 00 04 00"),
        (.wildcardSubscriptionAvailable(true), "28 01"),
        (.subscriptionIdentifierAvailable(true), "29 01"),
        (.sharedSubscriptionAvailable(false), "2A 00"),
    ]

    /// A v5 packet that is allowed to carry `property`.
    static func packet(carrying property: Property) -> MQTTPacket {
        let properties: Properties = [property]
        switch property.identifier {
        case 0x01, 0x02, 0x03, 0x08, 0x09, 0x23:
            return .publish(Publish(topic: "t", properties: properties))
        case 0x18:
            return .connect(
                Connect(
                    protocolVersion: .v5,
                    clientIdentifier: "c",
                    will: Will(topic: "w", payload: ByteBuffer(), properties: properties)
                )
            )
        case 0x0B:
            return .subscribe(
                Subscribe(packetIdentifier: 1, subscriptions: [Subscription(topicFilter: "a")], properties: properties)
            )
        case 0x17, 0x19:
            return .connect(Connect(protocolVersion: .v5, clientIdentifier: "c", properties: properties))
        case 0x15, 0x16:
            return .auth(Auth(reasonCode: .continueAuthentication, properties: properties))
        case 0x1F, 0x26:
            return .pubAck(PubAck(packetIdentifier: 1, properties: properties))
        default:
            return .connAck(ConnAck(properties: properties))
        }
    }

    @Test("every property encodes to its identifier and value, and round-trips", arguments: hosted)
    func roundTrip(_ property: Property, _ hex: String) throws {
        let packet = Self.packet(carrying: property)
        var buffer = ByteBuffer()
        packet.encode(into: &buffer, version: .v5)
        #expect(buffer.hexDump.contains(hex))
        #expect(try MQTTPacket.decode(from: &buffer, version: .v5) == packet)
        #expect(buffer.readableBytes == 0)
    }

    @Test("every identifier of §2.2.2.2 is covered")
    func coverage() {
        #expect(Set(Self.hosted.map(\.0.identifier)).count == 27)
    }

    @Test("a property allowed in PUBLISH is refused in the will when it is not a will property")
    func topicAliasInWill() {
        let packet = MQTTPacket.connect(
            Connect(
                protocolVersion: .v5,
                clientIdentifier: "c",
                will: Will(topic: "w", payload: ByteBuffer(), properties: [.topicAlias(1)])
            )
        )
        var buffer = ByteBuffer()
        packet.encode(into: &buffer, version: .v5)
        #expect(throws: MQTTCodecError(.invalidProperty, "")) {
            try MQTTPacket.decode(from: &buffer, version: .v5)
        }
    }

    @Test("the accessors find the properties a broker needs")
    func accessors() {
        let properties: Properties = [
            .sessionExpiryInterval(60), .userProperty(name: "a", value: "1"), .topicAlias(4),
            .maximumPacketSize(2048), .userProperty(name: "a", value: "2"),
        ]
        #expect(properties.sessionExpiryInterval == 60)
        #expect(properties.topicAlias == 4)
        #expect(properties.maximumPacketSize == 2048)
        #expect(properties.userProperties.map(\.value) == ["1", "2"])
        #expect(Properties().topicAlias == nil)
    }
}
