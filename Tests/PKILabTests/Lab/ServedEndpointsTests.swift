import Foundation
import PKILab
import Testing

@Suite("What pkilab up serves, and how it names it")
struct ServedEndpointsTests {
    @Test("the lab's endpoints, each MQTT listener's plain one beside it, then the zoo; command-line ports and address on top")
    func planned() throws {
        let lab = try TestLab.parse(TestLab.text(extra: """
            endpoints:
              echo: { port: 7000 }
              mqtt:
                - { port: 1884, plain_port: 1883 }
                - { name: mqtt-aws, port: 8884, behaviour: aws, bind: 127.0.0.2 }
            """))
        let plain = lab.servedEndpoints(zoo: nil)
        #expect(plain.map(\.name) == ["echo", "https", "mqtt", "mqtt-plain", "mqtt-aws", "crl", "sntp"])
        let mqttPlain = try #require(plain.first { $0.name == "mqtt-plain" })
        #expect(mqttPlain.isPlainMQTT && mqttPlain.port == 1883 && mqttPlain.clientAuth == .none && mqttPlain.mqtt.plainPort == nil)
        #expect(mqttPlain.portSetting == "endpoints.mqtt[0].plain_port")
        #expect(plain.first { $0.name == "mqtt-aws" }?.portSetting == "endpoints.mqtt[1].port")
        #expect(plain.first { $0.name == "mqtt-aws" }?.bindSetting == "endpoints.mqtt[1].bind")
        #expect(plain[0].portSetting == "endpoints.echo.port" && plain[0].bindSetting == "endpoints.bind")

        let served = lab.servedEndpoints(zoo: ZooSpec(port: 9400, mqttPort: 0), bind: "0.0.0.0", ports: ["echo": 0, "mqtt-plain": 2883])
        let zoo = served.filter { $0.zoo != nil }
        #expect(zoo.count == ZooServer.allCases.count + ZooServer.mqttVariants.count)
        #expect(zoo.first?.name == "zoo-\(ZooServer.allCases[0].rawValue)" && zoo.first?.port == 9400 && zoo.first?.clientAuth == .optional)
        #expect(zoo.filter { $0.kind == .mqtt }.allSatisfy { $0.port == 0 && $0.name.hasPrefix("zoo-mqtt-") && $0.portSetting == "--zoo-mqtt-port" })
        #expect(served.allSatisfy { $0.bind == "0.0.0.0" && $0.bindSetting == "--bind" })
        #expect(served[0].port == 0 && served[0].portSetting == "--port echo=PORT")
        #expect(served.first { $0.name == "mqtt-plain" }?.port == 2883)
        #expect(served.first { $0.name == "mqtt-plain" }?.portSetting == "--port mqtt-plain=PORT")

        #expect(lab.listenerNames.isSuperset(of: ["echo", "mqtt-plain", "mqtt-aws-plain"] + zoo.map(\.name)))
        #expect(!lab.listenerNames.contains("nothing"))
    }

    @Test("--console adds the console last: port 8444 on the lab's address, the HTTPS endpoint's certificate, a client certificate optional, HTTP/1.1; --port console= moves it or switches it off")
    func console() throws {
        let lab = try TestLab.parse(TestLab.text(extra: """
            endpoints:
              bind: 127.0.0.3
            """))
        #expect(!lab.servedEndpoints(zoo: nil).contains { $0.kind == .console })
        let served = lab.servedEndpoints(zoo: nil, console: true)
        let console = try #require(served.last)
        #expect(console.kind == .console && console.name == "console" && console.port == 8444 && console.bind == "127.0.0.3")
        #expect(console.clientAuth == .optional && console.alpn == ["http/1.1"] && !console.http2)
        #expect(console.certificate == lab.endpoints.first { $0.kind == .https }?.certificate)
        #expect(console.trust == lab.authorities.filter(\.isRoot).map(\.name))
        #expect(lab.listenerNames.contains("console"))
        #expect(lab.servedEndpoints(zoo: nil, ports: ["console": 0], console: true).last?.port == 0)
        #expect(!lab.servedEndpoints(zoo: nil, off: ["console"], console: true).contains { $0.kind == .console })
    }

    @Test("--port NAME=off leaves a listener out (an MQTT endpoint's plain one with it); --ports auto puts all others on free ports")
    func offAndFree() throws {
        let lab = try TestLab.parse(TestLab.text(extra: """
            endpoints:
              echo: { port: 7000 }
              mqtt: { port: 1884, plain_port: 1883 }
            """))
        #expect(lab.servedEndpoints(zoo: nil, off: ["sntp", "crl"]).map(\.name) == ["echo", "https", "mqtt", "mqtt-plain"])
        #expect(lab.servedEndpoints(zoo: nil, off: ["mqtt"]).map(\.name) == ["echo", "https", "crl", "sntp"])
        #expect(lab.servedEndpoints(zoo: nil, off: ["mqtt-plain"]).map(\.name) == ["echo", "https", "mqtt", "crl", "sntp"])
        let free = lab.servedEndpoints(zoo: ZooSpec(port: 9400, mqttPort: 9500), ports: ["echo": 7001], freePorts: true)
        #expect(free.first?.port == 7001 && free.dropFirst().allSatisfy { $0.port == 0 }, "\(free.map(\.port))")
        #expect(free.first { $0.name == "mqtt-plain" }?.portSetting == "--port mqtt-plain=PORT")
    }

    @Test("the example topic: one the policy lets the device publish to, wildcards filled in")
    func exampleTopic() throws {
        let open = try TestLab.parse(TestLab.text())
        #expect(open.exampleTopic(for: "device-001") == "devices/device-001/state")
        let lab = try TestLab.parse(TestLab.text(extra: """
            policy:
              - allow: publish
                topics: ["fleet/${client_id}/+/up"]
                identities: [device-002]
              - allow: subscribe
                topics: ["cmd/#"]
              - allow: [publish, subscribe]
                topics: ["site/${cn}/#"]
            """))
        #expect(lab.exampleTopic(for: "device-002") == "fleet/device-002/state/up")
        #expect(lab.exampleTopic(for: "device-001") == "site/device-001/state", "a rule for other identities is skipped")
    }

    @Test("one rule for the host people connect to")
    func displayHost() {
        for bind in ["127.0.0.1", "::1", "0.0.0.0", "::", "localhost"] { #expect(DisplayHost.of(bind) == "localhost") }
        #expect(DisplayHost.of("192.168.1.10") == "192.168.1.10")
        #expect(DisplayHost.of("fd00::5") == "[fd00::5]")
        #expect(DisplayHost.socket("fd00::5", port: 8443) == "[fd00::5]:8443" && DisplayHost.socket("127.0.0.1", port: 1) == "127.0.0.1:1")
    }

    @Test("TLS 1.2 suites by OpenSSL or IANA name; TLS 1.3 ones and wrong case are told apart")
    func cipherSuites() throws {
        #expect(CipherSuites.problem(with: "ECDHE-ECDSA-AES128-GCM-SHA256") == nil)
        #expect(CipherSuites.problem(with: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256") == nil)
        #expect(try #require(CipherSuites.problem(with: "TLS_AES_128_GCM_SHA256")).message.contains("TLS 1.3 suite"))
        #expect(try #require(CipherSuites.problem(with: "ecdhe-rsa-aes128-gcm-sha256")).hint == "write ECDHE-RSA-AES128-GCM-SHA256")
        #expect(try #require(CipherSuites.problem(with: "HIGH")).message == "\"HIGH\" is not a TLS 1.2 cipher suite pkilab knows")
    }

    @Test("the store's file names come from one place")
    func storeFiles() {
        let directory = CADirectory(path: "ca")
        #expect(directory.certificate("server").fullchain == "ca/certs/server/fullchain.pem")
        #expect(directory.certificate("server").key == "ca/certs/server/key.pem")
        #expect(directory.authority("issuing").chain == "ca/authorities/issuing/chain.pem")
        #expect(directory.zooServer("expired").certificate == "ca/zoo/servers/expired/cert.pem")
        #expect(directory.chain(forFleet: "f") == "ca/fleet/f/chain.pem")
        #expect(directory.events == "ca/events.jsonl" && directory.readyFile == "ca/endpoints.json")
    }

    @Test("one JSON style: sorted keys, slashes as they are, ISO 8601 dates")
    func json() throws {
        struct Sample: Codable, Equatable { var b = "a/b"; var a = Date(timeIntervalSince1970: 0) }
        #expect(LabJSON.text(Sample()) == #"{"a":"1970-01-01T00:00:00Z","b":"a/b"}"#)
        #expect(LabJSON.text(Sample(), pretty: true).contains("\n  \"a\" : "))
        let decoded = try LabJSON.decoder().decode(Sample.self, from: Data(LabJSON.text(Sample()).utf8))
        #expect(decoded == Sample())
    }
}
