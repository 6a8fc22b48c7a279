import Foundation
import NIOCore
import NIOEmbedded
import NIOSSL
import NIOTLS
import PKILab
import Synchronization
import Testing
@testable import PKILabEndpoints

/// What reaches the application side of the dispatcher: the handshake's news and the client's bytes, in order.
private final class Arrivals: Sendable {
    private let items = Mutex<[String]>([])
    func append(_ item: String) { items.withLock { $0.append(item) } }
    var all: [String] { items.withLock { $0 } }
}

/// Stands in for the broker or the HTTPS routes: notes what it is given.
private final class Recorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let arrivals: Arrivals

    init(_ arrivals: Arrivals) { self.arrivals = arrivals }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted(let alpn) = event { arrivals.append("handshake \(alpn ?? "none")") }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        arrivals.append("read " + String(buffer: unwrapInboundIn(data)))
    }
}

@Suite("ALPNDispatcher: AWS IoT's port 443 twin hands each connection on by the ALPN it negotiated")
struct ALPNDispatcherTests {
    @Test("x-amzn-mqtt-ca and mqtt go to the broker, x-amzn-http-ca to HTTPS, anything else (or nothing) is held unanswered")
    func routes() {
        #expect(ALPNRoute(alpn: "x-amzn-mqtt-ca") == .application(.mqtt, alpn: "x-amzn-mqtt-ca"))
        #expect(ALPNRoute(alpn: "mqtt") == .application(.mqtt, alpn: "mqtt"))
        #expect(ALPNRoute(alpn: "x-amzn-http-ca") == .application(.https, alpn: "x-amzn-http-ca"))
        #expect(ALPNRoute(alpn: nil) == .unanswered)
        #expect(ALPNRoute(alpn: "http/1.1") == .unanswered)
    }

    /// The lab's port 443 twin (an `aws` MQTT listener offering both of AWS's ALPN protocols), a real in-memory
    /// handshake with a client offering `offer`, then `message` from the client. Returns what the application
    /// side got, the route chosen, the events told, and whether the connection is still open; `hold` is how long
    /// the lab's clock then runs (5 s more follow, for a close to finish).
    private func connect(offering offer: [String], message: String = "CONNECT-BYTES",
                         hold: TimeAmount = .zero) async throws -> (arrivals: [String], route: ALPNRoute?,
                                                                    events: [ConnectionEvent], open: Bool) {
        let lab = try InMemoryLab()
        var spec = lab.lab.endpoints.first { $0.kind == .mqtt }!
        spec.name = "aws-443"
        spec.mqtt.behaviour = .aws
        spec.alpn = ["x-amzn-mqtt-ca", "x-amzn-http-ca"]
        #expect(spec.dispatchesByALPN)
        let verifier = lab.store.verifier(for: lab.lab)
        let configuration = try ServerTLS.configuration(for: spec, store: lab.store, trust: verifier.roots, alpn: spec.alpn)
        let endpoint = try EndpointContext(spec: spec, sslContext: try ServerTLS.context(spec, configuration: configuration), verifier: verifier,
                                           events: lab.log, handshakeTimeout: .seconds(10), rootBundle: lab.store.directory.rootBundle,
                                           exampleClient: nil, unresumable: configuration)
        let loop = NIOAsyncTestingEventLoop()
        let server = NIOAsyncTestingChannel(loop: loop)
        let client = NIOAsyncTestingChannel(loop: loop)
        let arrivals = Arrivals()
        let chosen = Mutex<ALPNRoute?>(nil)
        try await loop.submit {
            let state = try LabTLSPipeline.configure(server, endpoint: endpoint)
            let dispatcher = ALPNDispatcher<ALPNRoute>(state: state, holdFor: .seconds(60), eventLoop: loop) { route, channel in
                chosen.withLock { $0 = route }
                if route != .unanswered { _ = try? channel.pipeline.syncOperations.addHandler(Recorder(arrivals)) }
                return channel.eventLoop.makeSucceededFuture(route)
            }
            try server.pipeline.syncOperations.addHandler(dispatcher)
        }.get()
        var clientConfiguration = TLSConfiguration.makeClientConfiguration()
        clientConfiguration.trustRoots = .file(lab.file("root.pem"))
        let device = try lab.identity("certs/device-001")
        clientConfiguration.certificateChain = device.chain.map { .certificate($0) }
        clientConfiguration.privateKey = .privateKey(device.key)
        clientConfiguration.applicationProtocols = offer
        try await InMemoryLab.addClientHandler(try NIOSSLContext(configuration: clientConfiguration), to: client)
        try await server.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40_000)).get()
        try await client.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 443)).get()
        try await InMemoryLab.shuttle(client, server, loop: loop) { chosen.withLock { $0 != nil } }
        try await loop.submit { client.writeAndFlush(ByteBuffer(string: message), promise: nil) }.get()
        try await InMemoryLab.shuttle(client, server, loop: loop) { true }
        await loop.advanceTime(by: hold)
        // A close goes out as TLS close_notify (and a refused connection drains a second): let it finish.
        try await InMemoryLab.shuttle(client, server, loop: loop) { true }
        await loop.advanceTime(by: .seconds(5))
        try await InMemoryLab.shuttle(client, server, loop: loop) { true }
        let open = server.isActive
        let events = lab.events.all
        await InMemoryLab.close(client, server, loop: loop)
        return (arrivals.all, chosen.withLock { $0 }, events, open)
    }

    @Test("ALPN x-amzn-mqtt-ca: the broker's handler is added, then gets the handshake's news and the client's bytes; the acceptance waits for the broker's first event and notes the route")
    func mqtt() async throws {
        let result = try await connect(offering: ["x-amzn-mqtt-ca"])
        #expect(result.route == .application(.mqtt, alpn: "x-amzn-mqtt-ca"))
        #expect(result.arrivals == ["handshake x-amzn-mqtt-ca", "read CONNECT-BYTES"], "\(result.arrivals)")
        #expect(result.events.isEmpty, "an MQTT connection is told with its first MQTT event: \(result.events)")
    }

    @Test("ALPN x-amzn-http-ca: the HTTPS side gets the connection, and the acceptance is told at once with the ALPN and the route")
    func https() async throws {
        let result = try await connect(offering: ["x-amzn-http-ca"], message: "GET /whoami HTTP/1.1\r\n\r\n")
        #expect(result.route == .application(.https, alpn: "x-amzn-http-ca"))
        #expect(result.arrivals == ["handshake x-amzn-http-ca", "read GET /whoami HTTP/1.1\r\n\r\n"], "\(result.arrivals)")
        let event = try #require(result.events.first)
        #expect(result.events.count == 1 && event.reason == "ok" && event.alpn == "x-amzn-http-ca" && event.alpnOffered == ["x-amzn-http-ca"])
        #expect(event.notes.contains { $0.contains("ALPN x-amzn-http-ca") && $0.contains("HTTPS routes") }, "\(event.notes)")
    }

    @Test("no ALPN: TLS completes, one alpn_missing event says what AWS does and how to fix it, the CONNECT is never answered, and the connection is held until the hold time passes")
    func noALPN() async throws {
        let held = try await connect(offering: [], hold: .seconds(54))
        #expect(held.route == .unanswered && held.arrivals.isEmpty, "\(held.arrivals)")
        #expect(held.open, "held open, as AWS does, until the client gives up")
        let event = try #require(held.events.first)
        #expect(held.events.count == 1)
        #expect(event.outcome == .rejected && event.reason == "alpn_missing" && event.alpn == nil && event.tlsVersion == "1.3", "\(event)")
        #expect(event.client?.commonName == "device-001")
        #expect(event.explanation.contains("offered no ALPN protocol") && event.explanation.contains("never answers its MQTT CONNECT"), "\(event.explanation)")
        #expect(event.hint?.contains("--tls-alpn x-amzn-mqtt-ca") == true && event.hint?.contains("set_alpn_protocols") == true
                && event.hint?.contains("alpn_protos") == true && event.hint?.contains("8883") == true, "\(String(describing: event.hint))")

        let expired = try await connect(offering: [], hold: .seconds(61))
        #expect(!expired.open, "closed once the hold time (endpoints.idle_timeout) has passed")
        #expect(expired.events.count == 1)
    }

    @Test("only protocols the port does not speak (h2, http/1.1): BoringSSL completes the handshake without ALPN, as a browser's WebSocket to AWS's 443 does, and the connection is held like one without ALPN")
    func otherProtocols() async throws {
        let result = try await connect(offering: ["h2", "http/1.1"])
        #expect(result.route == .unanswered && result.arrivals.isEmpty)
        let event = try #require(result.events.first)
        #expect(event.reason == "alpn_missing" && event.alpn == nil && event.alpnOffered == ["h2", "http/1.1"], "\(event)")
        #expect(event.explanation.contains("offered ALPN h2, http/1.1 but neither x-amzn-mqtt-ca nor x-amzn-http-ca"), "\(event.explanation)")
    }
}
