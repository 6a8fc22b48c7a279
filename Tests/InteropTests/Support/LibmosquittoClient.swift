import CMosquitto
import Foundation
import PKILabTestSupport

/// A libmosquitto client driven step by step from a test: connect over mutual TLS, subscribe, publish, and
/// pump the network loop until something happened (or a deadline passed).
final class LibmosquittoClient {
    private let handle: OpaquePointer
    private(set) var connack: Int32?
    private(set) var disconnected: Int32?
    private(set) var granted: [Int32] = []
    private(set) var published: Set<Int32> = []
    private(set) var messages: [(topic: String, payload: String, qos: Int32)] = []

    static let initialised: Bool = { mosquitto_lib_init() == MOSQ_ERR_SUCCESS.rawValue }()

    init(clientID: String, folder: String, identity: String, version5: Bool = false) throws {
        precondition(Self.initialised)
        guard let handle = mosquitto_new(clientID, true, nil) else { throw LabProcess.Failure(message: "mosquitto_new failed") }
        self.handle = handle
        mosquitto_user_data_set(handle, Unmanaged.passUnretained(self).toOpaque())
        if version5 { mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, Int32(MQTT_PROTOCOL_V5)) }
        let status = mosquitto_tls_set(handle, "\(folder)/ca/root.pem", nil, "\(folder)/ca/certs/\(identity)/fullchain.pem",
                                       "\(folder)/ca/certs/\(identity)/key.pem", nil)
        guard status == MOSQ_ERR_SUCCESS.rawValue else { throw LabProcess.Failure(message: "mosquitto_tls_set: \(String(cString: mosquitto_strerror(status)))") }
        mosquitto_connect_callback_set(handle) { _, object, rc in LibmosquittoClient.from(object).connack = rc }
        mosquitto_disconnect_callback_set(handle) { _, object, rc in LibmosquittoClient.from(object).disconnected = rc }
        mosquitto_subscribe_callback_set(handle) { _, object, _, count, codes in
            LibmosquittoClient.from(object).granted += (0..<Int(count)).map { codes![$0] }
        }
        mosquitto_publish_callback_set(handle) { _, object, mid in LibmosquittoClient.from(object).published.insert(mid) }
        mosquitto_message_callback_set(handle) { _, object, message in
            guard let message = message?.pointee else { return }
            let payload = message.payload.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: Int(message.payloadlen)), as: UTF8.self) } ?? ""
            LibmosquittoClient.from(object).messages.append((String(cString: message.topic), payload, message.qos))
        }
    }

    private static func from(_ object: UnsafeMutableRawPointer?) -> LibmosquittoClient {
        Unmanaged<LibmosquittoClient>.fromOpaque(object!).takeUnretainedValue()
    }

    deinit {
        mosquitto_destroy(handle)
    }

    /// TCP, TLS and CONNECT (libmosquitto's blocking connect), then the loop until CONNACK or a drop.
    func connect(port: Int, keepAlive: Int32 = 30) throws {
        let status = mosquitto_connect(handle, "localhost", Int32(port), keepAlive)
        guard status == MOSQ_ERR_SUCCESS.rawValue else { throw LabProcess.Failure(message: "mosquitto_connect: \(String(cString: mosquitto_strerror(status)))") }
        pump { self.connack != nil }
    }

    func subscribe(_ filter: String, qos: Int32) {
        mosquitto_subscribe(handle, nil, filter, qos)
    }

    func publish(_ topic: String, _ text: String, qos: Int32, retain: Bool = false) {
        var mid: Int32 = 0
        mosquitto_publish(handle, &mid, topic, Int32(text.utf8.count), text, qos, retain)
    }

    func disconnect() {
        mosquitto_disconnect(handle)
        pump(seconds: 1) { self.disconnected != nil }
    }

    /// Runs the network loop until `done` holds, the connection is lost, or `seconds` pass; returns `done`.
    @discardableResult
    func pump(seconds: TimeInterval = 10, until done: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if done() { return true }
            let status = mosquitto_loop(handle, 50, 1)
            if status != MOSQ_ERR_SUCCESS.rawValue && status != MOSQ_ERR_NO_CONN.rawValue { return done() }
            if status == MOSQ_ERR_NO_CONN.rawValue { usleep(20_000) }
        }
        return done()
    }
}
