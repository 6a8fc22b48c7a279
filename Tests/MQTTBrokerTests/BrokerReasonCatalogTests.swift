import Foundation
import MQTTBroker
import MQTTCodec
import NIOCore
import Testing

@Suite("Broker reasons: one catalog of codes, each one reachable")
struct BrokerReasonCatalogTests {
    /// The codes the broker printed before they were a type: JSON events, the console and the README's table use
    /// these exact strings, so none may change.
    static let publishedCodes: Set<String> = [
        "connected", "disconnected", "connection_lost", "keep_alive_timeout", "session_taken_over", "connect_timeout",
        "no_connect", "protocol_violation", "malformed_packet", "packet_too_large", "unsupported_protocol_version",
        "topic_alias_invalid", "receive_maximum_exceeded", "bad_authentication_method", "no_identity", "client_id_mismatch",
        "client_id_rejected", "client_id_in_use", "session_limit", "will_denied", "topic_limit", "payload_too_large",
        "qos_not_supported", "publish_denied", "retained_limit", "receive_denied", "queue_full", "qos0_dropped",
        "too_many_filters", "invalid_topic_filter", "shared_subscription_unsupported", "subscribe_denied", "subscription_limit",
        "certificate_not_registered", "certificate_inactive", "connect_denied", "reserved_topic", "shadow_request", "shadow_rejected",
        "jobs_request", "jobs_rejected",
        // AWS IoT's quotas and the MQTT 5 features it refuses.
        "connect_throttled", "publish_throttled", "subscription_identifiers_unsupported", "reserved_topic_retain",
    ]

    /// The codes only the socket side emits (`MQTTConnectionHandler`): a CONNECT that never comes, QoS 0 messages
    /// a full socket buffer drops. The state machine cannot produce them.
    static let socketSide: Set<BrokerEvent.Reason> = [.connectTimeout, .noConnect, .qos0Dropped]

    @Test("The catalog holds exactly the published codes, once each, and encodes each as its code")
    func catalog() throws {
        let codes = BrokerEvent.Reason.allCases.map(\.rawValue)
        #expect(codes.count == Set(codes).count)
        #expect(Set(codes) == Self.publishedCodes)
        let json = try JSONEncoder().encode(BrokerEvent.Reason.allCases)
        #expect(String(decoding: json, as: UTF8.self) == "[" + codes.map { "\"\($0)\"" }.joined(separator: ",") + "]")
        #expect(try JSONDecoder().decode([BrokerEvent.Reason].self, from: json) == BrokerEvent.Reason.allCases)
    }

    @Test("Driving the broker through its endings and refusals produces every code of the state machine")
    func everyCoreReasonIsReachable() {
        var seen: Set<BrokerEvent.Reason> = []
        seen.formUnion(Self.lifecycle())
        seen.formUnion(Self.connectRefusals())
        seen.formUnion(Self.publishRefusals())
        seen.formUnion(Self.subscribeRefusals())
        seen.formUnion(Self.twin())
        seen.formUnion(Self.awsQuotas())
        let expected = Set(BrokerEvent.Reason.allCases).subtracting(Self.socketSide)
        #expect(seen == expected, "never produced: \(expected.subtracting(seen).map(\.rawValue).sorted())")
    }

    // MARK: Scenarios

    /// The AWS IoT twin's codes: an unknown and an inactive certificate, a denied CONNECT, a reserved topic, and a
    /// shadow and a jobs request each answered and rejected.
    static func twin() -> [BrokerEvent.Reason] {
        guard var broker = try? TwinFixture.harness() else { return [] }
        broker.connectTwin("device-005", as: "device-005")
        broker.connectTwin("device-003", as: "device-003")
        broker.connectTwin("device-002", as: "device-001")
        let device = broker.connectTwin("device-001", as: "device-001")
        broker.publish(device, "$aws/things/device-001/shadow/update", #"{"state":{"reported":{"on":true}}}"#)
        broker.publish(device, "$aws/things/device-001/shadow/update", "not json")
        broker.publish(device, "$aws/things/device-001/jobs/get", "{}")
        broker.publish(device, "$aws/things/device-001/jobs/none/update", #"{"status":"SUCCEEDED"}"#)
        broker.publish(device, "$aws/events/presence/connected/device-001", "{}")
        return broker.events.map(\.reason)
    }

    static func lifecycle() -> [BrokerEvent.Reason] {
        var broker = BrokerHarness()
        let leaving = broker.connect("leaving")
        broker.send(leaving, .disconnect(Disconnect()))
        let lost = broker.connect("lost")
        broker.drop(lost)
        let silent = broker.connect("silent", keepAlive: 10)
        let expired = broker.core.keepAliveExpired(silent, now: broker.now)
        broker.apply(expired)
        broker.connect("twin")
        broker.connect("twin")
        let twice = broker.connect("twice")
        broker.send(twice, .connect(Connect(protocolVersion: .v311, clientIdentifier: "twice")))
        let large = broker.connect("large")
        let tooLarge = broker.core.malformed(MQTTCodecError(.packetTooLarge, "too large"), from: large, now: broker.now)
        broker.apply(tooLarge)
        for (index, error) in [MQTTCodecError(.malformedPacket, "garbage"), MQTTCodecError(.unsupportedProtocolVersion, "level 6", protocolLevel: 6)]
            .enumerated() {
            let id = ConnectionID(900 + UInt64(index))
            broker.core.open(id, listener: BrokerHarness.mosquitto, identity: nil, peer: "192.0.2.9:9")
            let actions = broker.core.malformed(error, from: id, now: broker.now)
            broker.apply(actions)
        }
        let aliases = broker.connect("aliases", version: .v5)
        broker.publish(aliases, "", "unknown", properties: [.topicAlias(2)])
        var limits = BrokerLimits.defaults(for: .mosquitto)
        limits.receiveMaximum = 1
        let eager = broker.connect("eager", version: .v5, listener: BrokerConfiguration(limits: limits))
        broker.publish(eager, "q2", "one", qos: .exactlyOnce, packetID: 1)
        broker.publish(eager, "q2", "two", qos: .exactlyOnce, packetID: 2)
        return broker.events.map(\.reason)
    }

    static func connectRefusals() -> [BrokerEvent.Reason] {
        var broker = BrokerHarness(policy: devicePolicy)
        broker.connect("scram", version: .v5, properties: [.authenticationMethod("SCRAM-SHA-1")])
        broker.connect("nobody", identity: nil, listener: BrokerHarness.aws)
        broker.connect("someone-else", identity: "device-001", listener: BrokerHarness.aws)
        broker.connect("", clean: false)
        broker.connect("shared", identity: "device-001", clean: false)
        broker.connect("shared", identity: "device-002")
        broker.connect("willful", identity: "device-001",
                       will: Will(topic: "devices/device-002/status", payload: ByteBuffer(string: "gone"), qos: .atMostOnce, retain: false))
        var full = BrokerHarness(quotas: BrokerQuotas(maximumSessions: 1))
        full.connect("first")
        full.connect("second")
        return broker.events.map(\.reason) + full.events.map(\.reason)
    }

    static func publishRefusals() -> [BrokerEvent.Reason] {
        var aws = BrokerHarness()
        for publish in [("devices/device-001/a/b/c/d/e/f/g", 1, QoS.atMostOnce), ("devices/device-001/big", 128 * 1024 + 1, .atMostOnce),
                        ("devices/device-001/q2", 1, .exactlyOnce)] {
            let id = aws.connect("device-001", identity: "device-001", listener: BrokerHarness.aws)
            aws.publish(id, publish.0, String(repeating: "x", count: publish.1), qos: publish.2)
            aws.advance(seconds: 1)  // past AWS IoT's one CONNECT per second per client id
        }
        var policed = BrokerHarness(policy: BrokerPolicy(rules: [PolicyRule(effect: .allow, actions: [.publish, .subscribe], topics: ["#"])]),
                                    quotas: BrokerQuotas(maximumRetainedMessages: 1))
        let reader = policed.connect("reader", identity: "device-002")
        policed.subscribe(reader, ["devices/#"])
        let writer = policed.connect("writer", identity: "device-001")
        policed.publish(writer, "devices/device-001/kept", "1", retain: true)
        policed.publish(writer, "devices/device-001/over", "2", retain: true)
        policed.core.replacePolicy(devicePolicy)
        policed.publish(writer, "devices/device-001/state", "not for device-002")
        policed.publish(writer, "devices/device-002/state", "not device-001's")
        var limits = BrokerLimits.defaults(for: .mosquitto)
        limits.inflightForV311 = 1
        limits.maximumQueuedMessages = 1
        var slow = BrokerHarness()
        let subscriber = slow.connect("slow", listener: BrokerConfiguration(limits: limits))
        slow.subscribe(subscriber, ["q"])
        let publisher = slow.connect("fast")
        for index in 1...3 { slow.publish(publisher, "q", "\(index)", qos: .atLeastOnce, packetID: UInt16(index)) }
        return aws.events.map(\.reason) + policed.events.map(\.reason) + slow.events.map(\.reason)
    }

    static func subscribeRefusals() -> [BrokerEvent.Reason] {
        var broker = BrokerHarness(policy: devicePolicy)
        let aws = broker.connect("device-001", identity: "device-001", listener: BrokerHarness.aws)
        broker.subscribe(aws, (1...9).map { "devices/device-001/\($0)" })
        var limits = BrokerLimits.defaults(for: .mosquitto)
        limits.maximumSubscriptions = 1
        limits.sharedSubscriptionsAvailable = false
        let id = broker.connect("m", identity: "device-001", listener: BrokerConfiguration(limits: limits))
        broker.subscribe(id, ["devices/device-001/#/x", "$share/group/devices/device-001/x", "devices/device-002/#", "devices/device-001/a",
                              "devices/device-001/b"])
        return broker.events.map(\.reason)
    }

    static func awsQuotas() -> [BrokerEvent.Reason] {
        var broker = BrokerHarness()
        broker.connect("device-001", listener: BrokerHarness.aws)
        broker.connect("device-001", listener: BrokerHarness.aws)
        let device = broker.connect("device-002", identity: "device-002", version: .v5, listener: BrokerHarness.aws)
        for index in 0...100 { broker.publish(device, "devices/device-002/burst", "\(index)") }
        broker.advance(seconds: 1)
        broker.subscribe(device, ["devices/device-002/#"], properties: [.subscriptionIdentifier(7)])
        broker.advance(seconds: 1)
        let retainer = broker.connect("device-003", identity: "device-003", listener: BrokerHarness.aws)
        broker.publish(retainer, "$aws/things/device-003/shadow/update", "{}", retain: true)
        return broker.events.map(\.reason)
    }
}
