import Foundation
import PKILabTestSupport
import Testing

@Suite("MQTT broker with libmosquitto, the C library of Linux devices", .serialized, .timeLimit(.minutes(3)))
struct LibmosquittoTests {
    @Test("MQTT 3.1.1 and 5.0: connect with the device certificate, subscribe, publish at QoS 1 and 2, read them back",
          arguments: [false, true])
    func roundTrip(version5: Bool) throws {
        try withMQTTLab { lab in
            let client = try LibmosquittoClient(clientID: "device-001", folder: lab.scratch.path, identity: "device-001", version5: version5)
            try client.connect(port: lab.mqttPort)
            #expect(client.connack == 0)
            client.subscribe("devices/device-001/#", qos: 2)
            #expect(client.pump { client.granted == [2] }, "granted \(client.granted)")
            client.publish("devices/device-001/one", "at least once", qos: 1)
            client.publish("devices/device-001/two", "exactly once", qos: 2)
            #expect(client.pump { client.messages.count == 2 && client.published.count == 2 })
            #expect(client.messages.map(\.payload) == ["at least once", "exactly once"])
            #expect(client.messages.map(\.qos) == [1, 2])
            client.disconnect()
            #expect(client.disconnected == 0)
            let event = try #require(lab.mqttEvent("connected", clientID: "device-001"))
            #expect(event.mqtt?.version == (version5 ? "5.0" : "3.1.1"))
            #expect(lab.mqttEvent("disconnected", clientID: "device-001") != nil)
        }
    }

    @Test("aws behaviour: a client id that is not the thing name gets no CONNACK, only a closed connection")
    func awsMismatch() throws {
        try withMQTTLab { lab in
            let client = try LibmosquittoClient(clientID: "someone-else", folder: lab.scratch.path, identity: "device-001")
            try client.connect(port: lab.awsPort)
            #expect(client.connack == nil)
            #expect(client.pump(seconds: 5) { client.disconnected != nil } || client.connack == nil)
            let event = try #require(lab.mqttEvent("client_id_mismatch", endpoint: "mqtt-aws"))
            #expect(event.explanation.contains("device-001 connected with client id \"someone-else\""))
        }
    }
}
