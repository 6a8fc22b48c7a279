/// Where `pkilab up --zoo` (or a `zoo:` section in lab.yaml) serves the zoo's bad servers: TLS echo
/// listeners on consecutive ports from `port`, in ``ZooServer`` order, and MQTT listeners for
/// ``ZooServer/mqttVariants`` from `mqttPort`. Port 0 gives every listener a free port.
public struct ZooSpec: Sendable, Hashable {
    public var port: Int
    public var mqttPort: Int
    /// nil: the endpoints' address.
    public var bind: String?

    public static let defaultPort = 9400
    public static let defaultMQTTPort = 9500

    public init(port: Int = ZooSpec.defaultPort, mqttPort: Int = ZooSpec.defaultMQTTPort, bind: String? = nil) {
        self.port = port
        self.mqttPort = mqttPort
        self.bind = bind
    }

    /// The echo port of `scenario` (0 when ports are picked freely).
    public func port(of scenario: ZooServer) -> Int {
        port == 0 ? 0 : port + ZooServer.allCases.firstIndex(of: scenario)!
    }

    /// The MQTT port of `scenario`, if it has an MQTT variant.
    public func mqttPort(of scenario: ZooServer) -> Int? {
        guard let index = ZooServer.mqttVariants.firstIndex(of: scenario) else { return nil }
        return mqttPort == 0 ? 0 : mqttPort + index
    }
}

extension ZooSpec {
    /// The zoo's listeners: a TLS echo `zoo-NAME` per ``ZooServer`` and an MQTT listener `zoo-mqtt-NAME` per
    /// ``ZooServer/mqttVariants``, all on `bind`, asking for a client certificate from the `roots` optionally.
    public func endpoints(roots: [String], bind: String) -> [EndpointSpec] {
        let echo = ZooServer.allCases.map { scenario in
            var spec = EndpointSpec(kind: .echo, name: "zoo-\(scenario.rawValue)", bind: bind, port: port(of: scenario),
                                    certificate: "zoo/\(scenario.rawValue)", clientAuth: .optional, trust: roots)
            spec.zoo = scenario
            spec.portSetting = "--zoo-port"
            spec.bindSetting = "zoo.bind"
            return spec
        }
        let mqtt = ZooServer.mqttVariants.map { scenario in
            var spec = EndpointSpec(kind: .mqtt, name: "zoo-mqtt-\(scenario.rawValue)", bind: bind, port: mqttPort(of: scenario) ?? 0,
                                    certificate: "zoo/\(scenario.rawValue)", clientAuth: .optional, trust: roots)
            spec.zoo = scenario
            spec.portSetting = "--zoo-mqtt-port"
            spec.bindSetting = "zoo.bind"
            return spec
        }
        return echo + mqtt
    }
}
