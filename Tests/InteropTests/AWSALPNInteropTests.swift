import Foundation
import PKILab
import PKILabTestSupport
import Testing

/// paho-mqtt with `ssl_context.set_alpn_protocols`, as AWS's own 443 samples do: connects, publishes at QoS 1 and
/// reports the CONNACK and the ALPN the server chose, as JSON.
private let pahoALPNClient = #"""
import json, ssl, sys, threading
import paho.mqtt.client as mqtt
args = json.loads(sys.argv[1])
try:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION1, client_id=args["client_id"])
except AttributeError:
    client = mqtt.Client(client_id=args["client_id"])
context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile="ca/root.pem")
context.load_cert_chain("ca/certs/device-001/fullchain.pem", "ca/certs/device-001/key.pem")
context.set_alpn_protocols(args["alpn"])
client.tls_set_context(context)
result = {}
connected = threading.Event()
def on_connect(c, userdata, flags, rc, properties=None):
    result["connack"] = rc if isinstance(rc, int) else rc.value
    connected.set()
client.on_connect = on_connect
try:
    client.connect("localhost", args["port"], keepalive=30)
    client.loop_start()
    if connected.wait(args.get("wait", 10)):
        result["alpn"] = client.socket().selected_alpn_protocol()
        info = client.publish("devices/device-001/paho", "over 443", qos=1)
        info.wait_for_publish(10)
        result["published"] = info.is_published()
    else:
        result["error"] = "no CONNACK"
    client.disconnect()
    client.loop_stop()
except Exception as error:
    result["error"] = repr(error)
print(json.dumps(result))
"""#

@Suite("AWS IoT's port 443 twin: MQTT and HTTPS told apart by ALPN, and AWS's TLS surface", .serialized, .timeLimit(.minutes(6)))
struct AWSALPNInteropTests {
    @Test("mosquitto_sub and mosquitto_pub with --tls-alpn x-amzn-mqtt-ca through the 443 twin: delivered, and the events carry the ALPN and the broker side")
    func mosquittoWithALPN() throws {
        try withAWSPortLab { lab in
            let port = try #require(lab.ports["aws-443"], "the ready line names aws-443: \(lab.output.string)")
            let alpn = ["--tls-alpn", "x-amzn-mqtt-ca"]
            let sub = try Background("mosquitto_sub", lab.mosquitto("device-001", port: port) + alpn
                                     + ["-i", "device-001", "-t", "lab/alpn", "-v", "-C", "1", "-W", "30"], cwd: lab.scratch.path)
            defer { sub.stop() }
            var delivered = false
            for _ in 0..<12 where !delivered {
                let pub = try lab.publish("device-002", alpn + ["-i", "device-002", "-t", "lab/alpn", "-m", "hello-443", "-q", "1"], port: port)
                #expect(pub.status == 0, "\(pub)")
                // More than a second apart: the aws behaviour allows one CONNECT per second per client id, as AWS does.
                delivered = sub.waitForLine(timeout: 1.2) { $0 == "lab/alpn hello-443" }
            }
            #expect(delivered, "mosquitto_sub got the message: \(sub.output.string)\n\(lab.events.suffix(4))")
            let connected = try #require(lab.mqttEvent("connected", clientID: "device-002", endpoint: "aws-443"))
            #expect(connected.alpn == "x-amzn-mqtt-ca" && connected.alpnOffered == ["x-amzn-mqtt-ca"], "\(connected)")
            #expect(connected.notes.contains { $0.contains("ALPN x-amzn-mqtt-ca") && $0.contains("MQTT broker") }, "\(connected.notes)")
        }
    }

    @Test("mosquitto_pub without --tls-alpn: TLS completes, the CONNECT is never answered (no CONNACK), the lab holds the connection until its idle timeout, and tells one alpn_missing event")
    func mosquittoWithoutALPN() throws {
        try withAWSPortLab { lab in
            let port = try #require(lab.ports["aws-443"])
            let started = Date()
            let pub = try lab.publish("device-001", ["-i", "device-001", "-t", "devices/device-001/x", "-m", "lost", "-d"], port: port)
            let waited = Date().timeIntervalSince(started)
            #expect(pub.status != 0 && !pub.timedOut, "mosquitto_pub gives up once the lab closes the held connection: \(pub)")
            #expect(!pub.stdout.contains("CONNACK"), "no CONNACK: \(pub)")
            #expect(waited > 3.5, "held for endpoints.idle_timeout (4 s), not refused at once: \(waited) s")
            let event = try #require(lab.waitForEvent { $0.reason == "alpn_missing" }, "\(lab.events)")
            #expect(event.endpoint == "aws-443" && event.outcome == .rejected && event.alpn == nil && event.alpnOffered.isEmpty, "\(event)")
            #expect(event.client?.commonName == "device-001" && event.tlsVersion != nil, "TLS completed, with the certificate: \(event)")
            #expect(event.hint?.contains("mosquitto_pub --tls-alpn x-amzn-mqtt-ca") == true, "\(String(describing: event.hint))")
            #expect(lab.events.filter { $0.endpoint == "aws-443" }.count == 1, "one event: \(lab.events)")
            #expect(lab.mqttEvent("connected", clientID: "device-001") == nil)

            // The same client on the 8883-like listener needs no ALPN, as on AWS.
            #expect(try lab.publish("device-001", ["-i", "device-001", "-t", "devices/device-001/x", "-m", "ok"], port: lab.ports["aws-8883"]).status == 0)
        }
    }

    @Test("paho-mqtt with ssl_context.set_alpn_protocols([\"x-amzn-mqtt-ca\"]) connects (CONNACK 0) and publishes; without ALPN it gets no CONNACK")
    func paho() throws {
        let python = try #require(pahoPython, "the paho tests need python3-paho-mqtt: scripts/test installs it")
        try withAWSPortLab { lab in
            let port = try #require(lab.ports["aws-443"])
            func run(_ alpn: [String]) throws -> [String: Any] {
                let arguments: [String: Any] = ["client_id": "device-001", "port": port, "alpn": alpn, "wait": 6]
                let json = String(decoding: try JSONSerialization.data(withJSONObject: arguments), as: UTF8.self)
                let result = try Run.program(python, ["-c", pahoALPNClient, json], cwd: lab.scratch.path, timeout: 60)
                return (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? ["error": "\(result)"]
            }
            let with = try run(["x-amzn-mqtt-ca"])
            #expect(with["connack"] as? Int == 0 && with["alpn"] as? String == "x-amzn-mqtt-ca" && with["published"] as? Bool == true, "\(with)")
            let without = try run([])
            #expect(without["connack"] == nil && without["error"] as? String == "no CONNACK", "\(without)")
        }
    }

    @Test("ALPN x-amzn-http-ca gets the lab's HTTPS routes over HTTP/1.1: Python ssl and openssl s_client -alpn read /whoami")
    func https() throws {
        try withAWSPortLab { lab in
            let port = try #require(lab.ports["aws-443"])
            let python = try lab.python(["port": port, "ca": "ca/root.pem", "cert": "ca/certs/device-001/fullchain.pem", "key": "ca/certs/device-001/key.pem",
                                         "alpn": ["x-amzn-http-ca"], "http": "/whoami"])
            let response = python["response"] as? String ?? ""
            #expect(python["alpn"] as? String == "x-amzn-http-ca" && response.hasPrefix("HTTP/1.1 200"), "\(python)")
            #expect(response.contains("device-001") && response.contains("x-amzn-http-ca"), "/whoami names the client and the ALPN: \(response)")
            let event = try #require(lab.waitForEvent { $0.endpoint == "aws-443" && $0.reason == "ok" })
            #expect(event.alpn == "x-amzn-http-ca" && event.notes.contains { $0.contains("HTTPS routes") }, "\(event)")

            let openssl = try lab.sClient(port: port, ["-alpn", "x-amzn-http-ca"],
                                          input: "GET /whoami HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n")
            #expect(openssl.stdout.contains("ALPN protocol: x-amzn-http-ca") && openssl.stdout.contains("HTTP/1.1 200"), "\(openssl)")
        }
    }

    @Test("a client offering only protocols the port does not speak (h2): the handshake completes without ALPN, as BoringSSL and a browser's WebSocket to AWS's 443 see it, and the connection is held with alpn_missing naming what it offered")
    func otherProtocols() throws {
        try withAWSPortLab { lab in
            let port = try #require(lab.ports["aws-443"])
            let openssl = try lab.sClient(port: port, ["-alpn", "h2"])
            #expect(openssl.stdout.contains("No ALPN negotiated") && openssl.stdout.contains("Verify return code: 0"), "\(openssl)")
            let event = try #require(lab.waitForEvent { $0.reason == "alpn_missing" })
            #expect(event.alpnOffered == ["h2"] && event.explanation.contains("offered ALPN h2 but neither"), "\(event)")
        }
    }

    @Test("no session resumption on aws listeners (AWS IoT has no session tickets): openssl s_client -sess_out then -sess_in gets a full handshake ('New') on the 443 twin and on the 8883-like one, while the mosquitto listener still resumes ('Reused')",
          arguments: ["-tls1_3", "-tls1_2"])
    func noResumption(tls: String) throws {
        try withAWSPortLab { lab in
            let version = tls == "-tls1_3" ? "TLSv1.3" : "TLSv1.2"
            // An MQTT CONNECT as device-001: the CONNACK the broker writes also carries TLS 1.3's session ticket.
            let connect = #"\020\026\000\004MQTT\004\002\000<\000\012device-001"#
            for (name, alpn, resumes) in [("aws-443", ["-alpn", "x-amzn-mqtt-ca"], false), ("aws-8883", [], false), ("mqtt", [], true)] {
                let port = try #require(lab.ports[name])
                let first = try lab.sClient(port: port, [tls, "-no_ign_eof", "-sess_out", "\(name).sess"] + alpn, input: connect)
                if EngineUnderTest.isOpenSSL && !resumes {
                    // OpenSSL on an aws listener keeps no session at all (no ticket, no session cache): nothing to save.
                    #expect(first.stdout.contains("New, \(version)") && !lab.scratch.exists("\(name).sess"), "\(name): \(first)")
                    continue
                }
                #expect(first.stdout.contains("New, \(version)") && lab.scratch.exists("\(name).sess"), "\(name): \(first)")
                let second = try lab.sClient(port: port, [tls, "-no_ign_eof", "-sess_in", "\(name).sess"] + alpn, input: connect)
                let expected = resumes ? "Reused, \(version)" : "New, \(version)"
                #expect(second.stdout.contains(expected) && second.stdout.contains("Verify return code: 0"), "\(name) offers its saved session: \(second)")
            }
        }
    }

    @Test("aws listeners offer AWS's TLS 1.2 suites: CBC ECDHE-ECDSA-AES128-SHA is accepted, ECDHE-ECDSA-CHACHA20-POLY1305 (not in AWS's policy) is refused; the mosquitto listener accepts it")
    func suites() throws {
        try withAWSPortLab { lab in
            for (name, alpn) in [("aws-443", ["-alpn", "x-amzn-mqtt-ca"]), ("aws-8883", [])] {
                let port = try #require(lab.ports[name])
                let cbc = try lab.sClient(port: port, ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA"] + alpn)
                #expect(cbc.stdout.contains("Cipher is ECDHE-ECDSA-AES128-SHA"), "\(name): \(cbc)")
                let chacha = try lab.sClient(port: port, ["-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305"] + alpn)
                #expect(!chacha.stdout.contains("Cipher is ECDHE-ECDSA-CHACHA20-POLY1305"), "\(name): \(chacha)")
            }
            let mosquitto = try lab.sClient(port: lab.mqttPort, ["-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305"])
            #expect(mosquitto.stdout.contains("Cipher is ECDHE-ECDSA-CHACHA20-POLY1305"), "\(mosquitto)")
        }
    }

    @Test("port 443 without the privilege to listen there (pkilab run with CAP_NET_BIND_SERVICE dropped): aws-443 serves on a free high port with the same behaviour, the ready line and endpoints.json carry that port, and a notice says how to get 443; given with --port it fails instead")
    func lowPortFallback() throws {
        try #require(getuid() != 0 || Run.available("setpriv"), "as root, the fallback test drops CAP_NET_BIND_SERVICE with setpriv (util-linux)")
        let unprivilegedStart = try String(contentsOfFile: "/proc/sys/net/ipv4/ip_unprivileged_port_start", encoding: .utf8)
        try #require(Int(unprivilegedStart.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 > 443,
                     "this machine lets anyone listen on 443 (net.ipv4.ip_unprivileged_port_start = \(unprivilegedStart)): nothing to fall back from")
        let scratch = try Scratch(lab: awsPortLab)
        defer { scratch.remove() }
        // As root, pkilab runs without CAP_NET_BIND_SERVICE (what an ordinary user lacks); otherwise as it is.
        let setpriv = getuid() == 0 ? ["/usr/bin/setpriv", "--inh-caps=-net_bind_service", "--bounding-set=-net_bind_service"] : []
        // Given on the command line, port 443 is taken at its word: pkilab up says why it cannot listen, and stops.
        let explicit = try Run.program(setpriv.first ?? Pkilab.binary, Array(setpriv.dropFirst()) + (setpriv.isEmpty ? [] : [Pkilab.binary]) + ["up", "--port", "aws-443=443", "--echo-port", "0",
                                        "--https-port", "0", "--mqtt-port", "0", "--port", "crl=0", "--port", "sntp=0", "--port", "aws-8883=0"], cwd: scratch.path, timeout: 30)
        #expect(explicit.status != 0 && (explicit.stdout + explicit.stderr).contains("aws-443 cannot listen on 127.0.0.1:443"), "\(explicit)")
        let lab = try LabProcess(scratch: scratch, wrapper: setpriv)
        defer { lab.stop() }
        let port = try #require(lab.ports["aws-443"], "\(lab.output.string)")
        #expect(port != 443 && port >= 1024, "\(lab.output.string)")
        #expect(lab.output.string.contains("aws-443 listens on 127.0.0.1:\(port) instead of port 443"), "\(lab.output.string)")
        #expect(lab.output.string.contains("sudo setcap cap_net_bind_service=+ep") && lab.output.string.contains("ip_unprivileged_port_start=443")
                && lab.output.string.contains("--port aws-443=443"), "\(lab.output.string)")
        let ready = try String(contentsOfFile: scratch.path + "/ca/endpoints.json", encoding: .utf8)
        #expect(ready.contains("\"port\":\(port)") || ready.contains("\"port\" : \(port)"), "\(ready)")
        let pub = try lab.publish("device-001", ["--tls-alpn", "x-amzn-mqtt-ca", "-i", "device-001", "-t", "devices/device-001/x", "-m", "x"], port: port)
        #expect(pub.status == 0, "the same behaviour on the high port: \(pub)")
    }

    @Test("the mbedTLS client (ESP-IDF's stack) with mbedtls_ssl_conf_alpn_protocols x-amzn-mqtt-ca connects and publishes through the 443 twin; without ALPN it gets no CONNACK")
    func mbedTLS() throws {
        try withAWSPortLab { lab in
            let build = try Run.program("sh", [Pkilab.repository + "/Tests/EmbeddedClients/build.sh", "bin"], cwd: lab.scratch.path, timeout: 180)
            try #require(build.status == 0, "the clients need libmbedtls-dev, libbearssl-dev and libwolfssl-dev (scripts/test installs them): \(build)")
            let port = try #require(lab.ports["aws-443"])
            func client(_ extra: [String]) throws -> RunResult {
                try Run.program("\(lab.scratch.path)/bin/mbedtls_client", ["--host", "localhost", "--port", "\(port)", "--mode", "mqtt", "--ca", "ca/root.pem",
                                "--cert", "ca/certs/device-001/fullchain.pem", "--key", "ca/certs/device-001/key.pem", "--client-id", "device-001",
                                "--topic", "devices/device-001/mbedtls"] + extra, cwd: lab.scratch.path, timeout: 30)
            }
            let with = try client(["--alpn", "x-amzn-mqtt-ca"])
            #expect(with.status == 0 && with.stdout.contains("ok mbedtls mqtt") && with.stdout.contains("alpn=x-amzn-mqtt-ca"), "\(with)")
            let without = try client([])
            #expect(without.status != 0 && without.stdout.contains("fail mbedtls"), "\(without)")
            #expect(lab.waitForEvent { $0.reason == "alpn_missing" && $0.client?.commonName == "device-001" } != nil, "\(lab.events)")
        }
    }
}
