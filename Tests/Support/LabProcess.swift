import Foundation
import PKILab
#if canImport(Glibc)
import Glibc
#endif

/// A running `pkilab up`, started on free ports, with its event log at hand.
public final class LabProcess: @unchecked Sendable {
    public let process = Process()
    public let scratch: Scratch
    public let output = DataBox()
    private let pipe = Pipe()
    public private(set) var ports: [String: Int] = [:]

    public var echoPort: Int { ports["echo"] ?? 0 }
    public var httpsPort: Int { ports["https"] ?? 0 }
    public var mqttPort: Int { ports["mqtt"] ?? 0 }
    /// The `aws` behaviour's MQTT listener of the labs that have one (``mqttLab``).
    public var awsPort: Int { ports["mqtt-aws"] ?? 0 }
    public var store: String { scratch.path + "/ca" }

    /// Starts `pkilab up` in `scratch` and waits (at most 60 s) for its ready line.
    /// - Parameter ulimit: arguments for bash's `ulimit` before pkilab starts, e.g. `-S -n 1024` (soft limit only) or
    ///   `-n 1024` (soft and hard).
    /// - Parameter wrapper: a program and its arguments that run pkilab (`setpriv --bounding-set -net_bind_service`).
    public init(scratch: Scratch, arguments: [String] = [], ulimit: String? = nil, environment extra: [String: String] = [:],
                wrapper: [String] = []) throws {
        self.scratch = scratch
        // A lab with ota: (the default one) also serves the object store and its untrusted twin.
        let labText = (try? String(contentsOfFile: scratch.path + "/lab.yaml", encoding: .utf8)) ?? ""
        let ota = labText.hasPrefix("ota:") || labText.contains("\nota:") ? ["--port", "store=0", "--port", "store-untrusted=0"] : []
        // A lab with aws_iot: (the default one) also serves the AWS IoT twin's listeners.
        var aws: [String] = []
        if labText.hasPrefix("aws_iot:") || labText.contains("\naws_iot:") {
            aws = ["--port", "aws-iot=0"] + (labText.contains("alpn_port: off") ? [] : ["--port", "aws-iot-443=0"])
        }
        let up = ["up", "--echo-port", "0", "--https-port", "0", "--mqtt-port", "0", "--port", "crl=0", "--port", "sntp=0",
                  "--handshake-timeout", "3"] + ota + aws + arguments
        if let ulimit {
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", "ulimit \(ulimit) && exec \"$0\" \"$@\"", Pkilab.binary] + up
        } else if let program = wrapper.first {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(wrapper.dropFirst()) + [Pkilab.binary] + up
        } else {
            process.executableURL = URL(fileURLWithPath: Pkilab.binary)
            process.arguments = up
        }
        process.currentDirectoryURL = URL(fileURLWithPath: scratch.path)
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        process.standardOutput = pipe
        process.standardError = pipe
        let output = self.output
        try process.run()
        _ = PipeReader(pipe, into: output)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, process.isRunning {
            if let line = output.string.split(separator: "\n").first(where: { $0.hasPrefix("ready ") }) {
                for field in line.split(separator: " ").dropFirst() {
                    let parts = field.split(separator: "=")
                    if parts.count == 2, let port = parts[1].split(separator: ":").last.flatMap({ Int($0) }) { ports[String(parts[0])] = port }
                }
                return
            }
            usleep(20_000)
        }
        stop()
        throw Failure(message: "pkilab up did not get ready:\n\(output.string)")
    }

    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }

        public init(message: String) {
            self.message = message
        }
    }

    /// Sends SIGTERM and waits; returns the exit status.
    @discardableResult
    public func stop() -> Int32 {
        process.end(signal: SIGTERM, grace: 15)
    }

    deinit {
        process.abandon()
    }

    /// Every event so far.
    public var events: [ConnectionEvent] {
        (try? String(contentsOfFile: store + "/events.jsonl", encoding: .utf8))?.split(separator: "\n")
            .compactMap { ConnectionEvent.decode(jsonLine: String($0)) } ?? []
    }

    /// Waits (at most `timeout` seconds) for an event that satisfies `match`.
    public func waitForEvent(timeout: TimeInterval = 10, _ match: (ConnectionEvent) -> Bool) -> ConnectionEvent? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let event = events.first(where: match) { return event }
            usleep(20_000)
        }
        return nil
    }

    /// Waits for an MQTT event with this reason code (and, if given, this client id).
    public func mqttEvent(_ reason: String, clientID: String? = nil, endpoint: String? = nil) -> ConnectionEvent? {
        waitForEvent { event in
            event.mqtt != nil && event.reason == reason && (clientID == nil || event.mqtt?.clientID == clientID)
                && (endpoint == nil || event.endpoint == endpoint)
        }
    }

    /// Waits (at most 10 s) for the event number `index` (0-based) and returns it.
    public func event(_ index: Int) -> ConnectionEvent? {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let all = events
            if all.count > index { return all[index] }
            usleep(20_000)
        }
        return nil
    }
}

/// A TLS client in Python: connects, optionally sends bytes or an HTTP request, and reports what happened as
/// JSON. A TLS 1.3 server's refusal arrives after the client's handshake, so it always reads once.
let pythonTLSClient = #"""
import json, socket, ssl, sys, hashlib
args = json.loads(sys.argv[1])
context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
context.load_verify_locations(args["ca"])
if args.get("cert"): context.load_cert_chain(args["cert"], args["key"])
if args.get("alpn"): context.set_alpn_protocols(args["alpn"])
if args.get("tls"): context.minimum_version = context.maximum_version = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}[args["tls"]]
result = {}
try:
    raw = socket.create_connection(("127.0.0.1", args["port"]), timeout=20)
    tls = context.wrap_socket(raw, server_hostname=args.get("host", "localhost"))
    result["handshake"] = "ok"
    result["version"] = tls.version()
    result["alpn"] = tls.selected_alpn_protocol()
    if "http" in args:
        tls.sendall(("GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" % args["http"]).encode())
        data = b""
        while True:
            chunk = tls.recv(65536)
            if not chunk: break
            data += chunk
        result["response"] = data.decode(errors="replace")
    else:
        size = args.get("bytes", 16)
        pattern = bytes(range(251))
        payload = (pattern * (size // 251 + 1))[:size]
        tls.setblocking(True)
        import threading
        received = bytearray()
        if size <= 65536:
            # One thread: an OpenSSL server sends its TLS 1.3 session tickets after the handshake, and two threads must
            # not read and write one SSL connection at once.
            tls.sendall(payload)
            while len(received) < len(payload):
                chunk = tls.recv(1 << 16)
                if not chunk: break
                received.extend(chunk)
            result["sent"] = len(payload)
            result["echoed"] = len(received)
            result["same"] = hashlib.sha256(payload).hexdigest() == hashlib.sha256(bytes(received)).hexdigest()
            tls.close()
            print(json.dumps(result))
            sys.exit(0)
        if tls.version() == "TLSv1.3":
            # Take the session tickets in before the two threads share the connection.
            tls.settimeout(0.3)
            try:
                tls.recv(1)
            except (socket.timeout, TimeoutError):
                pass
            tls.settimeout(None)
        def reader():
            try:
                while len(received) < len(payload):
                    chunk = tls.recv(1 << 16)
                    if not chunk: break
                    received.extend(chunk)
            except Exception as error:
                result["error"] = repr(error)
        thread = threading.Thread(target=reader); thread.start()
        try:
            tls.sendall(payload)
        except Exception as error:
            # The reader may have the server's alert; the writer then only sees the closed connection.
            thread.join(5)
            if "error" not in result: result["error"] = repr(error)
            raise Exception(result["error"])
        thread.join(30)
        result["sent"] = len(payload)
        if "error" in result: raise Exception(result["error"])
        result["echoed"] = len(received)
        result["same"] = hashlib.sha256(payload).hexdigest() == hashlib.sha256(bytes(received)).hexdigest()
    tls.close()
except Exception as error:
    result["error"] = result.get("error") or repr(error)
print(json.dumps(result))
"""#

extension LabProcess {
    /// Runs the Python client with `arguments` (port, ca, cert, key, host, bytes, http, tls, alpn).
    public func python(_ arguments: [String: Any]) throws -> [String: Any] {
        let data = try JSONSerialization.data(withJSONObject: arguments)
        let result = try Run.program("python3", ["-c", pythonTLSClient, String(decoding: data, as: UTF8.self)], cwd: scratch.path, timeout: 60)
        return (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? ["error": "no output: \(result)"]
    }
}
