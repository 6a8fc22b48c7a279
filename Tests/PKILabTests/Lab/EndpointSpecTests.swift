import PKILab
import Testing

@Suite("The endpoints section of lab.yaml")
struct EndpointSpecTests {
    @Test("without one: echo on 7443, HTTPS on 8443, MQTT on 8883, CRLs on 8480 and SNTP on 123, on loopback, presenting the first server certificate, trusting the roots")
    func defaults() throws {
        let lab = try TestLab.parse(TestLab.text())
        #expect(lab.endpoints.map(\.kind) == [.echo, .https, .mqtt, .crl, .sntp])
        #expect(lab.endpoints.map(\.port) == [7443, 8443, 8883, 8480, 123])
        #expect(lab.endpoints.first { $0.kind == .mqtt }?.mqtt == MQTTListenerSpec(behaviour: .mosquitto, identity: .commonName))
        #expect(lab.policy == nil && lab.zoo == nil)
        #expect(lab.crlBaseURL == "http://localhost:8480/crl")
        for endpoint in lab.endpoints {
            #expect(endpoint.bind == "127.0.0.1")
        }
        for endpoint in lab.endpoints where endpoint.kind.usesTLS {
            #expect(endpoint.bind == "127.0.0.1")
            #expect(endpoint.certificate == "server")
            #expect(endpoint.trust == ["root"])
            #expect(endpoint.clientAuth == .require && endpoint.clientChain == .complete)
            #expect(endpoint.minimumTLS == .tls12 && endpoint.maximumTLS == .tls13)
            #expect(endpoint.tlsEngine == .boringssl)
        }
    }

    @Test("every key is read")
    func explicit() throws {
        let lab = try TestLab.parse(TestLab.text(extra: """
            endpoints:
              bind: 0.0.0.0
              echo: { port: 0, client_auth: optional, client_chain: require, tls_min: "1.0", tls_max: "1.2", ciphers: [ECDHE-ECDSA-AES128-GCM-SHA256], alpn: [mqtt], tls_engine: OpenSSL }
              https: { enabled: false }
              mqtt: { enabled: false }
              crl: { enabled: false }
              sntp: { enabled: false }
            """))
        #expect(lab.endpoints.count == 1)
        let echo = lab.endpoints[0]
        #expect(echo.bind == "0.0.0.0" && echo.port == 0 && echo.clientAuth == .optional && echo.clientChain == .require)
        #expect(echo.minimumTLS == .tls10 && echo.maximumTLS == .tls12 && echo.tlsEngine == .openssl)
        #expect(echo.ciphers == ["ECDHE-ECDSA-AES128-GCM-SHA256"] && echo.alpn == ["mqtt"])
    }

    @Test("MQTT listeners: one mapping or a list, with behaviour, identity, plain port and packet size")
    func mqttListeners() throws {
        let lab = try TestLab.parse(TestLab.text(extra: """
            endpoints:
              echo: { enabled: false }
              https: { enabled: false }
              mqtt:
                - { port: 1884, plain_port: 1883 }
                - { name: mqtt-aws, port: 8884, behaviour: aws, identity: san-uri, max_packet_size: 4096 }
              crl: { port: 9080 }
              sntp: { port: 1123, bind: 0.0.0.0 }
            """))
        #expect(lab.endpoints.map(\.name) == ["mqtt", "mqtt-aws", "crl", "sntp"])
        #expect(lab.crlBaseURL == "http://localhost:9080/crl", "the CRL distribution point follows the crl endpoint's port")
        #expect(lab.endpoints.last?.port == 1123 && lab.endpoints.last?.bind == "0.0.0.0")
        #expect(lab.endpoints[0].mqtt.plainPort == 1883 && lab.endpoints[0].mqtt.behaviour == .mosquitto)
        let aws = lab.endpoints[1].mqtt
        #expect(aws.behaviour == .aws && aws.identity == .sanURI && aws.maximumPacketSize == 4096)
    }

    @Test("zoo: true, a mapping of ports, or false; a TLS key on the crl endpoint is refused")
    func zoo() throws {
        #expect(try TestLab.parse(TestLab.text(extra: "zoo: true")).zoo == ZooSpec())
        #expect(try TestLab.parse(TestLab.text(extra: "zoo: false")).zoo == nil)
        let custom = try #require(try TestLab.parse(TestLab.text(extra: "zoo: { port: 9600, mqtt_port: 0, bind: 0.0.0.0 }")).zoo)
        #expect(custom.port(of: .expired) == 9601 && custom.mqttPort(of: .expired) == 0 && custom.mqttPort(of: .sha1Signature) == nil)
        #expect(custom.bind == "0.0.0.0")
        #expect(throws: LabFileError.self) { try TestLab.parse(TestLab.text(extra: "zoo: { ports: 9600 }")) }
        #expect(throws: LabFileError.self) { try TestLab.parse(TestLab.text(extra: "endpoints:\n  crl: { client_auth: none }")) }
        #expect(throws: LabFileError.self) { try TestLab.parse(TestLab.text(extra: "revocation: { url: ftp://x/crl }")) }
    }

    @Test("policy: rules with one or several actions and topics, identities, and where each was written")
    func policy() throws {
        let lab = try TestLab.parse(TestLab.text(extra: """
            policy:
              - allow: [publish, subscribe]
                topics: ["devices/${cn}/#"]
              - deny: publish
                topics: "devices/+/firmware"
                identities: [device-001]
            """))
        let rules = try #require(lab.policy?.rules)
        #expect(rules.count == 2)
        #expect(rules[0].effect == .allow && rules[0].actions == [.publish, .subscribe] && rules[0].topics == ["devices/${cn}/#"])
        #expect(rules[1].effect == .deny && rules[1].actions == [.publish] && rules[1].identities == ["device-001"])
        #expect(rules[1].origin == "lab.yaml:12")
    }

    @Test("mistakes are refused with their position", arguments: [
        ("endpoints: { mqtt: { behaviour: azure } }", LabFileError.Code.invalidValue, "endpoints.mqtt.behaviour"),
        ("endpoints: { mqtt: { identity: email } }", .invalidValue, "endpoints.mqtt.identity"),
        ("endpoints: { echo: { behaviour: aws } }", .unknownKey, "endpoints.echo.behaviour"),
        ("endpoints: { mqtt: [ { port: 1 }, { name: mqtt, port: 2 } ] }", .nameClash, "endpoints.mqtt[1].name"),
        ("endpoints: { mqtt: { port: 8883, plain_port: 8883 } }", .invalidValue, "endpoints.mqtt.plain_port"),
        ("policy: { allow: publish }", .wrongType, "policy"),
        ("policy: [ { allow: publish } ]", .missingKey, "policy[0]"),
        ("policy: [ { topics: [a] } ]", .missingKey, "policy[0]"),
        ("policy: [ { allow: publish, deny: publish, topics: [a] } ]", .invalidValue, "policy[0]"),
        ("policy: [ { allow: read, topics: [a] } ]", .invalidValue, "policy[0].allow"),
        ("policy: [ { allow: publish, topics: [\"a/${name}\"] } ]", .invalidValue, "policy[0].topics[0]"),
        ("policy: [ { allow: publish, topics: [\"a/#/b\"] } ]", .invalidValue, "policy[0].topics[0]"),
        ("policy: [ { allow: publish, topics: [a], who: [x] } ]", .unknownKey, "policy[0].who"),
        ("endpoints: { echo: { certificate: device-001 } }", LabFileError.Code.invalidRole, "endpoints.echo.certificate"),
        ("endpoints: { echo: { trust: [nobody] } }", .unknownIssuer, "endpoints.echo.trust[0]"),
        ("endpoints: { echo: { tls_min: \"1.3\", tls_max: \"1.2\" } }", .invalidValue, "endpoints.echo"),
        ("endpoints: { echo: { port: 8443 } }", .invalidValue, "endpoints.echo.port"),
        ("endpoints: { echo: { port: 70000 } }", .invalidValue, "endpoints.echo.port"),
        ("endpoints: { echo: { client_auth: always } }", .invalidValue, "endpoints.echo.client_auth"),
        ("endpoints: { echo: { tls_engine: wolfssl } }", .invalidValue, "endpoints.echo.tls_engine"),
        ("endpoints: { crl: { tls_engine: openssl } }", .unknownKey, "endpoints.crl.tls_engine"),
        ("endpoints: { echo: { prot: 1 } }", .unknownKey, "endpoints.echo.prot"),
        ("endpoints: { bind: example.com }", .invalidValue, "endpoints.bind"),
        ("endpoints: { echo: { files: firmware } }", .unknownKey, "endpoints.echo"),
    ])
    func mistakes(yaml: String, code: LabFileError.Code, keyPath: String) {
        #expect {
            try TestLab.parse(TestLab.text(extra: yaml))
        } throws: { error in
            guard let error = error as? LabFileError else { return false }
            #expect(error.code == code, "\(error)")
            #expect(error.location.keyPath == keyPath, "\(error)")
            #expect(error.location.line > 0)
            return true
        }
    }
}
