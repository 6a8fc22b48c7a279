import Foundation
import PKILabTestSupport
import Testing

/// paho-mqtt (Python) as a pool of workers: two MQTT 5 clients share `$share/workers/<filter>`, a third publishes
/// N messages at QoS 1, and each worker prints what it got, as JSON.
private let sharedWorkers = #"""
import json, ssl, sys, threading, time
import paho.mqtt.client as mqtt
from paho.mqtt.properties import Properties
from paho.mqtt.packettypes import PacketTypes

args = json.loads(sys.argv[1])
count = args["count"]

def client(client_id):
    try:
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION1, client_id=client_id, protocol=mqtt.MQTTv5)
    except AttributeError:
        c = mqtt.Client(client_id=client_id, protocol=mqtt.MQTTv5)
    c.tls_set(ca_certs="ca/root.pem", certfile=args["cert"], keyfile=args["key"], cert_reqs=ssl.CERT_REQUIRED)
    return c

result = {"workers": {}, "shared_available": [], "granted": []}
lock = threading.Lock()
all_in = threading.Event()
ready = threading.Semaphore(0)
workers = []
for name in ("worker-a", "worker-b"):
    result["workers"][name] = []
    c = client(args["prefix"] + name)
    def on_connect(c, userdata, flags, rc, properties=None, name=name):
        available = getattr(properties, "SharedSubscriptionAvailable", None)
        with lock:
            result["shared_available"].append(available)
        c.subscribe(args["filter"], qos=1)
    def on_subscribe(c, userdata, mid, granted, properties=None):
        with lock:
            result["granted"] += [g.value if hasattr(g, "value") else g for g in granted]
        ready.release()
    def on_message(c, userdata, message, name=name):
        with lock:
            result["workers"][name].append(message.payload.decode())
            if sum(len(v) for v in result["workers"].values()) >= count:
                all_in.set()
    c.on_connect, c.on_subscribe, c.on_message = on_connect, on_subscribe, on_message
    c.connect("localhost", args["port"], keepalive=30)
    c.loop_start()
    workers.append(c)

try:
    if not (ready.acquire(timeout=15) and ready.acquire(timeout=15)):
        result["error"] = "the workers did not get their SUBACKs"
    else:
        publisher = client(args["prefix"] + "publisher")
        publisher.connect("localhost", args["port"], keepalive=30)
        publisher.loop_start()
        for index in range(count):
            publisher.publish(args["topic"], str(index), qos=1).wait_for_publish(10)
        all_in.wait(15)
        time.sleep(0.5)  # a duplicate would arrive now
        publisher.disconnect()
        publisher.loop_stop()
finally:
    for c in workers:
        c.disconnect()
        c.loop_stop()
print(json.dumps(result))
"""#

@Suite("MQTT 5 shared subscriptions with paho-mqtt (Python)", .serialized, .timeLimit(.minutes(3)))
struct SharedSubscriptionInteropTests {
    @Test("Two paho workers share $share/workers/…: each of 20 QoS 1 messages reaches exactly one of them, in turn")
    func twoWorkers() throws {
        try withMQTTLab { lab in
            let count = 20
            let arguments: [String: Any] = ["port": lab.mqttPort, "count": count, "prefix": "device-001-",
                                            "cert": "ca/certs/device-001/fullchain.pem", "key": "ca/certs/device-001/key.pem",
                                            "filter": "$share/workers/devices/device-001/jobs/#", "topic": "devices/device-001/jobs/run"]
            let json = String(decoding: try JSONSerialization.data(withJSONObject: arguments), as: UTF8.self)
            let python = try #require(pahoPython, "the paho tests need python3-paho-mqtt: scripts/test installs it")
            let run = try Run.program(python, ["-c", sharedWorkers, json], cwd: lab.scratch.path, timeout: 90)
            #expect(run.status == 0, "\(run)")
            let result = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run)")
            #expect(result["error"] == nil, "\(result)")
            #expect(result["shared_available"] as? [Int] == [1, 1], "\(result)")
            #expect(result["granted"] as? [Int] == [1, 1], "\(result)")
            let workers = try #require(result["workers"] as? [String: [String]], "\(result)")
            let received = workers.values.flatMap { $0 }
            #expect(received.count == count, "each message once in all: \(workers)")
            #expect(Set(received) == Set((0..<count).map(String.init)), "\(workers)")
            // mosquitto behaviour: round-robin, so the two share the work evenly.
            #expect(workers["worker-a"]?.count == count / 2 && workers["worker-b"]?.count == count / 2, "\(workers)")
        }
    }
}
