import Foundation
import PKILabTestSupport
import Testing

/// Retained messages sent at SUBSCRIBE obey the same write-buffer cap as live QoS 0 traffic: a subscriber that
/// never reads gets QoS 0 messages dropped past 4 MiB instead of the whole retained tree piling up in memory.
@Suite("MQTT retained delivery under back-pressure", .serialized, .timeLimit(.minutes(3)))
struct MQTTBackPressureTests {
    @Test("Three subscribers that never read: qos0_dropped, and the broker's memory stays bounded")
    func stalledSubscribers() throws {
        let python = try #require(pahoPython, "the paho tests need python3-paho-mqtt: scripts/test installs it")
        let scratch = try Scratch(lab: """
            lab: backpressure
            authorities:
              root: { subject: { CN: Backpressure Root } }
            certificates:
              server: { role: server, names: [localhost, 127.0.0.1] }
              device-001: { role: client }
            broker: { max_retained_messages: 20000 }
            endpoints:
              echo: { enabled: false }
              https: { enabled: false }
              mqtt: { port: 0 }
            """)
        defer { scratch.remove() }
        let lab = try LabProcess(scratch: scratch)
        defer { #expect(lab.stop() == 0, "\(lab.output.string)") }

        // 12,000 retained messages of 1 KiB (12 MiB) through paho-mqtt.
        let filled = try Run.program(python, ["-c", retainedFiller, "\(lab.mqttPort)", "12000"], cwd: scratch.path, timeout: 90)
        #expect(filled.stdout.contains("published 12000"), "\(filled)")
        let before = try #require(residentKiB(lab.process.processIdentifier))

        // Each stalled subscriber: a 4 KiB receive buffer, CONNECT, SUBSCRIBE #, then nothing read for 6 s.
        let stalled = try (0..<3).map { index in
            try Background("python3", ["-c", stalledSubscriber, "\(lab.mqttPort)", "stalled-\(index)"], cwd: scratch.path)
        }
        defer { for subscriber in stalled { subscriber.stop() } }
        let dropped = lab.waitForEvent(timeout: 20) { $0.reason == "qos0_dropped" }
        #expect(dropped != nil, "no qos0_dropped event:\n\(lab.output.string)")
        usleep(2_000_000)
        let during = try #require(residentKiB(lab.process.processIdentifier))
        print("back-pressure: broker VmRSS \(before) KiB before the stalled subscribers, \(during) KiB with them")
        // Before the fix, each stalled subscriber held the whole tree in plaintext and TLS records (~2 x 12 MiB).
        #expect(during - before < 48 * 1024, "broker VmRSS grew from \(before) KiB to \(during) KiB")
    }
}

/// VmRSS of a process, in KiB.
private func residentKiB(_ pid: Int32) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    return status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
        .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") }
}

/// paho-mqtt publishes N retained 1 KiB messages at QoS 0 and waits until they are all written.
private let retainedFiller = #"""
import sys, ssl, threading
import paho.mqtt.client as mqtt
port, count = int(sys.argv[1]), int(sys.argv[2])
try:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION1, client_id="filler")
except AttributeError:
    client = mqtt.Client(client_id="filler")
client.tls_set(ca_certs="ca/root.pem", certfile="ca/certs/device-001/fullchain.pem", keyfile="ca/certs/device-001/key.pem", cert_reqs=ssl.CERT_REQUIRED)
client.max_queued_messages_set(0)
client.connect("localhost", port, keepalive=60)
client.loop_start()
payload = b"r" * 1024
last = None
for index in range(count):
    last = client.publish("retained/%05d" % index, payload, qos=0, retain=True)
last.wait_for_publish(60)
# A QoS 1 marker: its PUBACK means the broker has read everything before it.
client.publish("retained/marker", b"m", qos=1).wait_for_publish(30)
print("published %d" % count)
client.disconnect()
client.loop_stop()
"""#

/// A subscriber that never reads: MQTT 3.1.1 CONNECT and SUBSCRIBE # at QoS 0 over TLS, then sleeps.
private let stalledSubscriber = #"""
import socket, ssl, sys, time
port, client_id = int(sys.argv[1]), sys.argv[2].encode()
def packet(kind, body):
    length, encoded = len(body), b""
    while True:
        byte = length % 128; length //= 128
        encoded += bytes([byte | (128 if length else 0)])
        if not length: break
    return bytes([kind]) + encoded + body
context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
context.load_verify_locations("ca/root.pem")
context.load_cert_chain("ca/certs/device-001/fullchain.pem", "ca/certs/device-001/key.pem")
raw = socket.socket()
raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
raw.connect(("127.0.0.1", port))
tls = context.wrap_socket(raw, server_hostname="localhost")
tls.sendall(packet(0x10, b"\x00\x04MQTT\x04\x02\x00\x3c" + len(client_id).to_bytes(2, "big") + client_id))
tls.sendall(packet(0x82, b"\x00\x01\x00\x01#\x00"))
time.sleep(6)
"""#
