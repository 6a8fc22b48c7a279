import AWSIoT
import Foundation
import MQTTBroker
import MQTTCodec
import NIOCore
import Testing

@Suite("The AWS IoT twin: registry, policy documents, reserved topics and lifecycle events, tried by crossing each boundary")
struct BrokerTwinTests {
    @Test("A certificate that is not registered, or not ACTIVE, is closed before CONNACK, in words")
    func registry() throws {
        var broker = try TwinFixture.harness()
        let unknown = broker.connectTwin("device-005", as: "device-005")
        let inactive = broker.connectTwin("device-003", as: "device-003", version: .v5)
        #expect(broker.connAck(unknown) == nil && broker.connAck(inactive) == nil)
        #expect(broker.closed.isSuperset(of: [unknown, inactive]))
        let notRegistered = try #require(broker.events(.certificateNotRegistered).first)
        #expect(notRegistered.explanation.contains("not registered with the AWS IoT twin"))
        #expect(notRegistered.hint?.contains("aws_iot.certificates") == true)
        let notActive = try #require(broker.events(.certificateInactive).first)
        #expect(notActive.explanation.contains("INACTIVE"))
        #expect(notActive.hint?.contains("update-certificate --new-status ACTIVE") == true)
    }

    @Test("iot:Connect: the thing's own certificate connects; another client id, or no policy, is refused (3.1.1 closed, 5 CONNACK 0x87)")
    func connect() throws {
        var broker = try TwinFixture.harness()
        let watcher = broker.connectTwin("device-002", as: "device-002")
        broker.subscribe(watcher, ["$aws/events/presence/connect_failed/+"])
        _ = broker.take(watcher)
        let good = broker.connectTwin("device-001", as: "device-001")
        #expect(broker.connAck(good)?.reasonCode == .success)
        #expect(broker.events(.connected).last?.explanation.contains("thing device-001") == true)

        broker.advance(seconds: 2)
        let other = broker.connectTwin("device-002", as: "device-001")
        #expect(broker.connAck(other) == nil)
        let denied = try #require(broker.events(.connectDenied).first)
        #expect(denied.explanation.contains("iot:Connect on arn:aws:iot:us-east-1:123456789012:client/device-002"))
        #expect(denied.explanation.contains("not allowed by any statement"))
        #expect(denied.explanation.contains("${iot:Connection.Thing.ThingName}"))

        let bare = broker.connectTwin("device-004", as: "device-004", version: .v5)
        #expect(broker.connAck(bare)?.reasonCode == .notAuthorized)
        #expect(broker.events(.connectDenied).last?.explanation.contains("no policy attached") == true)
        // The failed connects are lifecycle events too (the watcher's policy lets it read $aws/events/*).
        let failed = broker.messages(watcher).map(\.topic)
        #expect(failed.contains("$aws/events/presence/connect_failed/device-002"))
    }

    @Test("Publish and subscribe follow the policy document: Deny wins, MQTT wildcards are literal, a denial closes the connection")
    func publishAndSubscribe() throws {
        var broker = try TwinFixture.harness()
        let device = broker.connectTwin("device-001", as: "device-001")
        broker.subscribe(device, ["device-001/#"])
        #expect(broker.take(device).contains { if case .subAck(let ack) = $0 { return ack.reasonCodes == [.grantedQoS1] } else { return false } })
        broker.publish(device, "device-001/temp", "21.5", qos: .atLeastOnce, packetID: 7)
        #expect(broker.messages(device).map(\.topic) == ["device-001/temp"])

        broker.publish(device, "device-001/firmware", "x")
        let denied = try #require(broker.events(.publishDenied).first)
        #expect(denied.explanation.contains("denied by statement 5 (Sid \"NoFirmware\", Deny) of policy DevicePolicy (aws/device-policy.json:"))
        #expect(broker.closed.contains(device))

        let second = broker.connectTwin("device-002", as: "device-002", version: .v5)
        broker.subscribe(second, ["device-001/#"])
        let refused = try #require(broker.events(.subscribeDenied).first)
        #expect(refused.explanation.contains("topicfilter/device-001/#"))
        #expect(broker.take(second).contains { if case .disconnect(let packet) = $0 { return packet.reasonCode == .notAuthorized } else { return false } })
    }

    @Test("A device may not publish on the topics AWS IoT itself publishes on, nor retain on $aws")
    func reservedTopics() throws {
        var broker = try TwinFixture.harness()
        let device = broker.connectTwin("device-001", as: "device-001")
        broker.publish(device, "$aws/things/device-001/shadow/update/accepted", "{}")
        let event = try #require(broker.events(.reservedTopic).first)
        #expect(event.explanation.contains("AWS IoT itself publishes on"))
        #expect(broker.closed.contains(device))
        broker.advance(seconds: 2)
        let again = broker.connectTwin("device-001", as: "device-001")
        broker.publish(again, "$aws/things/device-001/shadow/update", "{\"state\":{}}", retain: true)
        #expect(broker.events(.reservedTopicRetain).count == 1 && broker.closed.contains(again))
    }

    @Test("Shadow: desired from the command line reaches the device as a delta; reported clears it; a stale version is 409")
    func shadowFlow() throws {
        var broker = try TwinFixture.harness()
        let device = broker.connectTwin("device-001", as: "device-001")
        broker.subscribe(device, ["$aws/things/device-001/shadow/update/delta", "$aws/things/device-001/shadow/update/accepted",
                                  "$aws/things/device-001/shadow/update/rejected"])
        _ = broker.take(device)
        let result = broker.core.iotShadowRequest(ShadowRequest.Target(thing: "device-001"), .update,
                                                  payload: Array(#"{"state":{"desired":{"led":"on"}}}"#.utf8), now: broker.now)
        broker.apply(result.actions)
        let delivered = broker.messages(device)
        let delta = try #require(delivered.first { $0.topic.hasSuffix("/update/delta") })
        #expect(delta.text.contains(#""state":{"led":"on"}"#))
        #expect(delta.text.contains(#""version":1"#))

        broker.publish(device, "$aws/things/device-001/shadow/update", #"{"state":{"reported":{"led":"on"}},"clientToken":"t1"}"#,
                       qos: .atLeastOnce, packetID: 3)
        let replies = broker.messages(device)
        #expect(replies.contains { $0.topic.hasSuffix("/update/accepted") && $0.text.contains(#""clientToken":"t1""#) })
        #expect(!replies.contains { $0.topic.hasSuffix("/update/delta") })
        #expect(broker.events(.shadowRequest).last?.explanation.contains("device-001") == true)

        broker.publish(device, "$aws/things/device-001/shadow/update", #"{"state":{"reported":{"led":"off"}},"version":1}"#)
        #expect(broker.messages(device).contains { $0.topic.hasSuffix("/update/rejected") && $0.text.contains("409") })
        #expect(broker.events(.shadowRejected).first?.explanation.contains("409") == true)
        #expect(!broker.closed.contains(device))
        #expect(broker.core.twin?.generation ?? 0 >= 2)
    }

    @Test("Jobs: notify-next reaches subscribers; start-next's reply reaches only the requester, with the pre-signed URL filled in")
    func jobs() throws {
        var broker = try TwinFixture.harness()
        let device = broker.connectTwin("device-001", as: "device-001")
        broker.subscribe(device, ["$aws/things/device-001/jobs/notify-next"])
        _ = broker.take(device)
        let document = #"{"operation":"ota","url":"${aws:iot:s3-presigned-url:https://s3.us-east-1.amazonaws.com/firmware/app-v1.2.0.bin}"}"#
        broker.apply(try broker.core.iotCreateJob(jobID: "ota-1", thing: "device-001", document: Array(document.utf8), now: broker.now))
        #expect(broker.messages(device).contains { $0.topic == "$aws/things/device-001/jobs/notify-next" && $0.text.contains("ota-1") })

        broker.publish(device, "$aws/things/device-001/jobs/start-next", #"{"clientToken":"c"}"#)
        let reply = try #require(broker.messages(device).first { $0.topic == "$aws/things/device-001/jobs/start-next/accepted" })
        #expect(reply.text.contains("https://s3.lab.test:9443/signed?for=app-v1.2.0.bin"))
        #expect(reply.text.contains("IN_PROGRESS"))
        #expect(broker.events(.jobsRequest).count == 1)

        broker.publish(device, "$aws/things/device-001/jobs/no-such-job/update", #"{"status":"SUCCEEDED"}"#)
        #expect(broker.messages(device).contains { $0.topic.hasSuffix("/no-such-job/update/rejected") })
        #expect(broker.events(.jobsRejected).count == 1)
    }

    @Test("iot:Receive is checked at each delivery: a subscription the policy allows still gets nothing it may not receive")
    func receive() throws {
        var broker = try TwinFixture.harness()
        let reader = broker.connectTwin("device-001", as: "device-001")
        broker.subscribe(reader, ["broadcast/#"])
        _ = broker.take(reader)
        let writer = broker.connectTwin("device-002", as: "device-002")
        broker.publish(writer, "device-002/x", "ignored")
        let mosquitto = broker.connect("plain", identity: "plain")
        broker.publish(mosquitto, "broadcast/news", "hello")
        #expect(broker.messages(reader).isEmpty)
        let event = try #require(broker.events(.receiveDenied).first)
        #expect(event.explanation.contains("iot:Receive on arn:aws:iot:us-east-1:123456789012:topic/broadcast/news"))
    }

    @Test("Lifecycle: connected and disconnected share a versionNumber and carry AWS's fields and reasons")
    func lifecycle() throws {
        var broker = try TwinFixture.harness()
        let watcher = broker.connectTwin("device-002", as: "device-002")
        broker.subscribe(watcher, ["$aws/events/presence/+/device-001"])
        _ = broker.take(watcher)
        let first = broker.connectTwin("device-001", as: "device-001")
        broker.advance(seconds: 2)
        broker.connectTwin("device-001", as: "device-001")
        let events = broker.messages(watcher)
        #expect(events.map(\.topic) == ["$aws/events/presence/connected/device-001", "$aws/events/presence/disconnected/device-001",
                                        "$aws/events/presence/connected/device-001"])
        let connected = try JSONSerialization.jsonObject(with: Data(events[0].text.utf8)) as? [String: Any]
        let disconnected = try JSONSerialization.jsonObject(with: Data(events[1].text.utf8)) as? [String: Any]
        #expect(connected?["thingName"] as? String == "device-001")
        #expect(connected?["principalIdentifier"] as? String == TwinFixture.fingerprint("device-001"))
        #expect(connected?["ipAddress"] as? String == "192.0.2.7")
        #expect(disconnected?["disconnectReason"] as? String == "DUPLICATE_CLIENTID")
        #expect(disconnected?["clientInitiatedDisconnect"] as? Bool == false)
        #expect(connected?["versionNumber"] as? Int == disconnected?["versionNumber"] as? Int)
        #expect(broker.closed.contains(first))
    }

    @Test("Subscription lifecycle events name the filters granted and removed")
    func subscriptionEvents() throws {
        var broker = try TwinFixture.harness()
        let watcher = broker.connectTwin("device-002", as: "device-002")
        broker.subscribe(watcher, ["$aws/events/subscriptions/+/device-001"])
        _ = broker.take(watcher)
        let device = broker.connectTwin("device-001", as: "device-001")
        broker.subscribe(device, ["device-001/a", "device-001/b"])
        broker.send(device, .unsubscribe(Unsubscribe(packetIdentifier: 2, topicFilters: ["device-001/a", "device-001/never"])))
        let events = broker.messages(watcher)
        #expect(events.map(\.topic) == ["$aws/events/subscriptions/subscribed/device-001", "$aws/events/subscriptions/unsubscribed/device-001"])
        #expect(events.first?.text.contains(#""topics":["device-001/a","device-001/b"]"#) == true, "\(events.first?.text ?? "")")
        #expect(events.last?.text.contains(#""topics":["device-001/a"]"#) == true, "\(events.last?.text ?? "")")
    }
}
