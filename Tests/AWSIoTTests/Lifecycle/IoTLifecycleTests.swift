import AWSIoT
import Testing

@Suite("Lifecycle events with AWS's fields")
struct IoTLifecycleTests {
    let certificateID = String(repeating: "ab", count: 32)

    @Test("connected: AWS's example fields, thingName only when known")
    func connected() {
        let message = IoTLifecycle.connected(
            clientID: "186b5", thingName: nil, timestamp: 1_573_002_230_757, sessionIdentifier: "a4666d2a-7d84",
            principalIdentifier: certificateID, ipAddress: "192.0.2.0", versionNumber: 0)
        #expect(message.topic == "$aws/events/presence/connected/186b5")
        #expect(message.json == json("""
            {"clientId":"186b5","timestamp":1573002230757,"eventType":"connected","sessionIdentifier":"a4666d2a-7d84",
             "principalIdentifier":"\(certificateID)","ipAddress":"192.0.2.0","versionNumber":0}
            """))
        let withThing = IoTLifecycle.connected(
            clientID: "device-001", thingName: "device-001", timestamp: 1, sessionIdentifier: "s",
            principalIdentifier: "p", ipAddress: "::1", versionNumber: 3)
        #expect(withThing.json["thingName"] == .string("device-001"))
    }

    @Test("disconnected: reason and initiator, no ipAddress")
    func disconnected() {
        let message = IoTLifecycle.disconnected(
            clientID: "186b5", thingName: "thing-1", timestamp: 1_573_002_340_451, sessionIdentifier: "s1",
            principalIdentifier: certificateID, clientInitiatedDisconnect: true,
            disconnectReason: .clientInitiatedDisconnect, versionNumber: 0)
        #expect(message.topic == "$aws/events/presence/disconnected/186b5")
        #expect(message.json == json("""
            {"clientId":"186b5","thingName":"thing-1","timestamp":1573002340451,"eventType":"disconnected","sessionIdentifier":"s1",
             "principalIdentifier":"\(certificateID)","clientInitiatedDisconnect":true,"disconnectReason":"CLIENT_INITIATED_DISCONNECT",
             "versionNumber":0}
            """))
        #expect(IoTLifecycle.DisconnectReason.duplicateClientID.rawValue == "DUPLICATE_CLIENTID")
        #expect(IoTLifecycle.DisconnectReason.mqttKeepAliveTimeout.rawValue == "MQTT_KEEP_ALIVE_TIMEOUT")
    }

    @Test("connect_failed and subscription events")
    func otherEvents() {
        let failed = IoTLifecycle.connectFailed(clientID: "c1", timestamp: 5, principalIdentifier: "p")
        #expect(failed.topic == "$aws/events/presence/connect_failed/c1")
        #expect(failed.json == json(#"{"clientId":"c1","timestamp":5,"eventType":"connect_failed","failureReason":"AUTHORIZATION_FAILED","principalIdentifier":"p"}"#))
        let subscribed = IoTLifecycle.subscribed(
            clientID: "c1", topics: ["foo/bar", "device/#"], timestamp: 6, sessionIdentifier: "s", principalIdentifier: "p")
        #expect(subscribed.topic == "$aws/events/subscriptions/subscribed/c1")
        #expect(subscribed.json == json(#"{"clientId":"c1","timestamp":6,"eventType":"subscribed","sessionIdentifier":"s","principalIdentifier":"p","topics":["foo/bar","device/#"]}"#))
        let unsubscribed = IoTLifecycle.unsubscribed(
            clientID: "c1", topics: ["foo/bar"], timestamp: 7, sessionIdentifier: "s", principalIdentifier: "p")
        #expect(unsubscribed.topic == "$aws/events/subscriptions/unsubscribed/c1")
        #expect(unsubscribed.json["eventType"] == .string("unsubscribed"))
        #expect(!IoTLifecycle.hasEvents(clientID: "a+b") && !IoTLifecycle.hasEvents(clientID: "a#") && IoTLifecycle.hasEvents(clientID: "ab"))
    }

    @Test("version numbers grow per client id and start again after an hour offline")
    func versions() {
        var counter = LifecycleVersionCounter()
        #expect(counter.connect(clientID: "a", now: 0) == 0)
        counter.disconnect(clientID: "a", now: 1_000)
        #expect(counter.connect(clientID: "a", now: 2_000) == 1)
        #expect(counter.connect(clientID: "b", now: 2_000) == 0)
        #expect(counter.connect(clientID: "a", now: 3_000) == 2)  // takeover: the newcomer gets the next one
        counter.disconnect(clientID: "a", now: 3_000)
        counter.disconnect(clientID: "a", now: 4_000)
        #expect(counter.connect(clientID: "a", now: 4_000 + 3_599_999) == 3)
        counter.disconnect(clientID: "a", now: 10_000_000)
        #expect(counter.connect(clientID: "a", now: 10_000_000 + 3_600_000) == 0)
    }
}
