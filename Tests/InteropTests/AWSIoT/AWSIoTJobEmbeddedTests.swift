import Foundation
import PKILab
import PKILabTestSupport
import Testing

/// paho as the device's MQTT side: starts the next job of device-001 on the twin and prints the job document.
private let startNextJob = #"""
import json, ssl, sys, threading
import paho.mqtt.client as mqtt
port = int(sys.argv[1])
try:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION1, client_id="device-001")
except AttributeError:
    client = mqtt.Client(client_id="device-001")
client.tls_set(ca_certs="ca/root.pem", certfile="ca/certs/device-001/fullchain.pem", keyfile="ca/certs/device-001/key.pem")
got = threading.Event()
def on_connect(c, userdata, flags, rc, properties=None):
    c.publish("$aws/things/device-001/jobs/start-next", json.dumps({"clientToken": "embedded"}), qos=1)
def on_message(c, userdata, message):
    print(json.dumps(json.loads(message.payload)["execution"]["jobDocument"]), flush=True)
    got.set()
client.on_connect, client.on_message = on_connect, on_message
client.connect("localhost", port, keepalive=30)
client.loop_start()
got.wait(15)
client.disconnect()
client.loop_stop()
"""#

extension OTAEmbeddedTests {
    @Test("AWS IoT Jobs, AWS's OTA pattern: the job document's pre-signed URL (fetched over MQTT from the twin) downloaded by mbedTLS as esp_https_ota")
    func jobURLOnMbedTLS() throws {
        let python = try #require(pahoPython, "the twin tests need python3-paho-mqtt: scripts/test installs it")
        let ota = try OTALab()
        defer { ota.stop() }
        let sha256 = ota.value("app-v1.2.0.bin", "sha256")
        try ota.scratch.write("job.json", #"{"operation":"ota","url":"${aws:iot:s3-presigned-url:https://s3.us-east-1.amazonaws.com/firmware/app-v1.2.0.bin}"}"#)
        let create = try Pkilab.run(["job", "create", "device-001", "--document", "job.json", "--job-id", "ota-embedded"], in: ota.scratch.path)
        #expect(create.status == 0, "\(create)")
        let fetched = try Run.program(python, ["-c", startNextJob, "\(ota.lab.ports["aws-iot"] ?? 0)"], cwd: ota.scratch.path, timeout: 30)
        let document = try JSONSerialization.jsonObject(with: Data(fetched.stdout.utf8)) as? [String: Any]
        let url = try #require(document?["url"] as? String, "\(fetched)")
        #expect(url.hasPrefix("https://localhost:\(ota.lab.ports["store"] ?? 0)/firmware/app-v1.2.0.bin?X-Amz-Algorithm=AWS4-HMAC-SHA256"), "\(url)")

        let before = ota.lab.events.count
        let download = try ota.mbedtls(url, ["--sha256", sha256])
        #expect(download.result.first == "ok" && download.result.contains("sha256=\(sha256)"), "\(download.run)")
        #expect(ota.event(after: before, endpoint: "store", "downloaded") != nil, "\(ota.reasons(after: before))")
    }
}
