import Foundation
import PKILabTestSupport
import Testing

/// A raw MQTT client over Python's ssl: sends the given hex bytes after the TLS handshake, then reads until the
/// server closes (or `wait` seconds pass). Prints the bytes received as hex and whether the server closed.
private let rawClient = #"""
import json, socket, ssl, sys, time
args = json.loads(sys.argv[1])
context = ssl.create_default_context(cafile="ca/root.pem")
context.load_cert_chain("ca/certs/device-001/fullchain.pem", "ca/certs/device-001/key.pem")
sock = context.wrap_socket(socket.create_connection(("127.0.0.1", args["port"]), timeout=10), server_hostname="localhost")
for chunk in args["send"]:
    sock.sendall(bytes.fromhex(chunk))
    time.sleep(0.2)
received, closed, start = b"", False, time.time()
sock.settimeout(0.5)
while time.time() - start < args["wait"]:
    try:
        data = sock.recv(65536)
    except socket.timeout:
        continue
    except (ssl.SSLError, ConnectionResetError):
        closed = True
        break
    if not data:
        closed = True
        break
    received += data
print(json.dumps({"received": received.hex(), "closed": closed, "seconds": round(time.time() - start, 2)}))
"""#

/// CONNECT, MQTT 3.1.1, clean session, client id "raw", keep-alive `seconds`.
private func connect(keepAlive seconds: UInt8) -> String {
    "100f00044d5154540402" + String(format: "%04x", seconds) + "0003726177"
}

@Suite("MQTT broker: malformed packets and keep-alive with a raw TLS client", .serialized, .timeLimit(.minutes(3)))
struct RawMQTTTests {
    func raw(_ lab: LabProcess, _ chunks: [String], wait: Double) throws -> [String: Any] {
        let arguments: [String: Any] = ["port": lab.mqttPort, "send": chunks, "wait": wait]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: arguments), as: UTF8.self)
        let run = try Run.program("python3", ["-c", rawClient, json], cwd: lab.scratch.path, timeout: 60)
        #expect(run.status == 0, "\(run)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run)")
    }

    @Test("A malformed packet closes that connection with an event naming the rule; other clients are unaffected", arguments: [
        ("8006000100016100", "malformed_packet", "MQTT-2.2.2-2"),      // SUBSCRIBE with flags 0000 instead of 0010
        ("30ffffffff7f", "malformed_packet", "Variable Byte Integer"),  // a remaining length of five bytes
        ("30020000", "malformed_packet", "MQTT-4.7.3-1"),              // PUBLISH with an empty topic (3.1.1 has no aliases)
        ("10", "connect_timeout", ""),                                  // half a CONNECT, then nothing
    ])
    func malformed(bytes: String, reason: String, rule: String) throws {
        try withMQTTLab { lab in
            let first = bytes == "10" ? [] : [connect(keepAlive: 60)]
            let result = try raw(lab, first + [bytes], wait: bytes == "10" ? 5 : 3)
            if reason == "connect_timeout" {
                // pkilab waits --handshake-timeout (3 s here) for a whole CONNECT.
                #expect(result["closed"] as? Bool == true, "\(result)")
                #expect(lab.waitForEvent { $0.reason == "connect_timeout" } != nil)
                return
            }
            #expect(result["closed"] as? Bool == true, "\(result)")
            let event = try #require(lab.waitForEvent { $0.mqtt?.closed == true && $0.mqtt?.clientID == "raw" && $0.outcome == .rejected },
                                     "\(lab.events.map(\.reason))")
            #expect(event.reason == reason, "\(event)")
            #expect(event.explanation.contains(rule), "\(event.explanation)")
            let ok = try lab.publish("device-002", ["-i", "after", "-t", "lab/after", "-m", "fine"])
            #expect(ok.status == 0, "\(ok)")
        }
    }

    @Test("Keep-alive is enforced at 1.5 ×: a client silent for longer is closed, with keep_alive_timeout")
    func keepAlive() throws {
        try withMQTTLab { lab in
            let result = try raw(lab, [connect(keepAlive: 2)], wait: 8)
            #expect(result["received"] as? String == "20020000", "CONNACK, then nothing")
            #expect(result["closed"] as? Bool == true)
            let seconds = try #require(result["seconds"] as? Double)
            #expect(seconds >= 2.5 && seconds < 6, "closed after \(seconds) s; 1.5 × 2 s = 3 s")
            let event = try #require(lab.mqttEvent("keep_alive_timeout", clientID: "raw"))
            #expect(event.explanation.contains("3.0 s (1.5 × its keep-alive of 2 s)"))
        }
    }

    @Test("A packet above the listener's maximum packet size is refused before it is read whole")
    func tooLarge() throws {
        try withMQTTLab { lab in
            // PUBLISH announcing 2 MiB (the mosquitto behaviour takes at most 1 MiB).
            let result = try raw(lab, [connect(keepAlive: 60), "3080808001"], wait: 3)
            #expect(result["closed"] as? Bool == true, "\(result)")
            let event = try #require(lab.mqttEvent("packet_too_large", clientID: "raw"))
            #expect(event.explanation.contains("1048576"))
        }
    }
}
