import Foundation
import PKILabTestSupport
import Testing

/// paho-mqtt (Python) as a device would use it: TLS with the lab's files, subscribe, publish at QoS 1, read its
/// own message back, and try a subscription the policy forbids. Prints what happened as JSON.
private let pahoClient = #"""
import json, ssl, sys, threading
import paho.mqtt.client as mqtt

args = json.loads(sys.argv[1])
v5 = args["version"] == "5"
protocol = mqtt.MQTTv5 if v5 else mqtt.MQTTv311
try:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION1, client_id=args["client_id"], protocol=protocol)
except AttributeError:
    client = mqtt.Client(client_id=args["client_id"], protocol=protocol)
client.tls_set(ca_certs="ca/root.pem", certfile=args["cert"], keyfile=args["key"], cert_reqs=ssl.CERT_REQUIRED)
result = {"granted": {}, "messages": []}
connected, subscribed, received = threading.Event(), threading.Event(), threading.Event()
pending = {}
# The SUBACK can be handled on paho's network thread before subscribe() has returned its mid here: the lock makes
# on_subscribe wait until the mid is recorded.
lock = threading.Lock()

def code(value):
    return value.value if hasattr(value, "value") else (value if isinstance(value, int) else int(str(value)))

def on_connect(c, userdata, flags, rc, properties=None):
    result["connack"] = code(rc) if not hasattr(rc, "getName") else rc.value
    connected.set()

def on_subscribe(c, userdata, mid, granted, properties=None):
    with lock:
        result["granted"][pending.get(mid, str(mid))] = [g.value if hasattr(g, "value") else g for g in granted]
    if len(result["granted"]) == 2:
        subscribed.set()

def on_message(c, userdata, message):
    result["messages"].append({"topic": message.topic, "payload": message.payload.decode(), "qos": message.qos})
    received.set()

client.on_connect, client.on_subscribe, client.on_message = on_connect, on_subscribe, on_message
client.connect("localhost", args["port"], keepalive=30)
client.loop_start()
try:
    if not connected.wait(10):
        result["error"] = "no CONNACK"
    else:
        for topic in (args["own"], args["forbidden"]):
            with lock:
                rc, mid = client.subscribe(topic, qos=1)
                pending[mid] = topic
        if subscribed.wait(10):
            info = client.publish(args["own"].replace("#", "hello"), "from paho", qos=1)
            info.wait_for_publish(10)
            received.wait(10)
finally:
    client.disconnect()
    client.loop_stop()
print(json.dumps(result))
"""#

/// The first Python that has paho-mqtt (Debian's python3-paho-mqtt lives under /usr/bin/python3).
let pahoPython: String? = ["python3", "/usr/bin/python3"].first { python in
    (try? Run.program(python, ["-c", "import paho.mqtt.client"], timeout: 20).status) == 0
}

@Suite("MQTT broker with paho-mqtt (Python)", .serialized, .timeLimit(.minutes(3)))
struct PahoTests {
    @Test("paho connects with the device certificate, gets its own message at QoS 1, and is refused another device's subtree",
          arguments: ["3.1.1", "5"])
    func paho(version: String) throws {
        try withMQTTLab { lab in
            let arguments: [String: Any] = ["version": version, "client_id": "device-001", "port": lab.mqttPort,
                                            "cert": "ca/certs/device-001/fullchain.pem", "key": "ca/certs/device-001/key.pem",
                                            "own": "devices/device-001/#", "forbidden": "devices/device-002/#"]
            let json = String(decoding: try JSONSerialization.data(withJSONObject: arguments), as: UTF8.self)
            let python = try #require(pahoPython, "the paho tests need python3-paho-mqtt: scripts/test installs it")
            let run = try Run.program(python, ["-c", pahoClient, json], cwd: lab.scratch.path, timeout: 60)
            #expect(run.status == 0, "\(run)")
            let result = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run)")
            #expect(result["connack"] as? Int == 0, "\(result)")
            let granted = try #require(result["granted"] as? [String: [Int]], "\(result)")
            #expect(granted["devices/device-001/#"] == [1])
            #expect(granted["devices/device-002/#"] == [version == "5" ? 0x87 : 0x80])
            let messages = try #require(result["messages"] as? [[String: Any]])
            #expect(messages.map { $0["payload"] as? String } == ["from paho"])
            #expect(messages.first?["topic"] as? String == "devices/device-001/hello")
            let refused = try #require(lab.mqttEvent("subscribe_denied", clientID: "device-001"))
            #expect(refused.mqtt?.version == (version == "5" ? "5.0" : "3.1.1"))
            #expect(refused.mqtt?.sentCode == (version == "5" ? 0x87 : 0x80))
        }
    }
}
