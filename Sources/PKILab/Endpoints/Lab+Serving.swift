import Foundation
import MQTTBroker

extension Lab {
    /// Every listener `pkilab up` starts for this lab, in order: the lab's endpoints (each MQTT listener followed by
    /// its plain-TCP one, when it has a `plain_port`), then the zoo's bad servers when `zoo` is given.
    ///
    /// - Parameters:
    ///   - zoo: where to serve the zoo, or nil for no zoo.
    ///   - bind: the address for every listener instead of lab.yaml's (`--bind`).
    ///   - ports: ports by listener name instead of lab.yaml's (`--port NAME=PORT`, `mqtt-plain` for a plain listener).
    ///   - off: listeners not to start (`--port NAME=off`); an MQTT endpoint's name also switches off its plain listener.
    ///   - freePorts: every listener without an entry in `ports` on a free port (`--ports auto`), the zoo's too.
    ///   - console: add the workshop console (`--console`, ``consoleEndpoint``).
    public func servedEndpoints(zoo: ZooSpec?, bind: String? = nil, ports: [String: Int] = [:], off: Set<String> = [],
                                freePorts: Bool = false, console: Bool = false) -> [EndpointSpec] {
        var specs: [EndpointSpec] = []
        for var spec in endpoints where !off.contains(spec.name) {
            if off.contains("\(spec.name)-plain") { spec.mqtt.plainPort = nil }
            if let port = ports["\(spec.name)-plain"] { spec.mqtt.plainPort = port }
            specs.append(spec)
            if spec.kind == .mqtt, let plainPort = spec.mqtt.plainPort {
                var plain = spec
                plain.name = "\(spec.name)-plain"
                plain.port = plainPort
                plain.clientAuth = .none
                plain.isPlainMQTT = true
                plain.mqtt.plainPort = nil
                plain.portSetting = String(spec.portSetting.dropLast(".port".count)) + ".plain_port"
                specs.append(plain)
            }
        }
        if let zoo {
            let address = zoo.bind ?? endpoints.first { $0.kind == .echo }?.bind ?? "127.0.0.1"
            specs += zoo.endpoints(roots: authorities.filter(\.isRoot).map(\.name), bind: address)
        }
        if console, let spec = consoleEndpoint { specs.append(spec) }
        return specs.filter { !off.contains($0.name) }.map { spec in
            var spec = spec
            if freePorts {
                spec.port = 0
                spec.portSetting = "--port \(spec.name)=PORT"
            }
            if let bind {
                spec.bind = bind
                spec.bindSetting = "--bind"
            }
            if let port = ports[spec.name] {
                spec.port = port
                spec.portSetting = "--port \(spec.name)=PORT"
            }
            return spec
        }
    }

    /// The listener names `--port NAME=PORT` accepts: each endpoint, `NAME-plain` beside it, and the zoo's servers.
    public var listenerNames: Set<String> {
        Set(endpoints.flatMap { [$0.name, "\($0.name)-plain"] } + ZooSpec().endpoints(roots: [], bind: "").map(\.name) + ["console"])
    }

    /// The workshop console: HTTPS on port 8444 of the lab's first address (loopback unless `endpoints.bind` says
    /// otherwise), presenting the HTTPS endpoint's certificate (or the lab's first server certificate), with a client
    /// certificate asked for but optional, trusting the lab's roots. Nil when the lab has no server certificate.
    public var consoleEndpoint: EndpointSpec? {
        let presented = endpoints.first { $0.kind == .https }?.certificate ?? certificates.first { $0.role.servesTLS }?.name
        guard let presented else { return nil }
        var spec = EndpointSpec(kind: .console, bind: endpoints.first?.bind ?? "127.0.0.1", certificate: presented, clientAuth: .optional,
                                trust: authorities.filter(\.isRoot).map(\.name), alpn: ["http/1.1"], http2: false)
        spec.limits = endpoints.first?.limits ?? ServingLimits()
        spec.portSetting = "--port console=PORT"
        return spec
    }

    /// A topic the lab's policy lets `device` publish to, for the example commands (`devices/NAME/state` when the
    /// policy has no rule for it, or there is no policy): wildcards become `state`, and `${cn}`, `${identity}` and
    /// `${client_id}` the device's name.
    public func exampleTopic(for device: String) -> String {
        for rule in policy?.rules ?? [] where rule.effect == .allow && rule.actions.contains(.publish) {
            if !rule.identities.isEmpty && !rule.identities.contains(device) { continue }
            for pattern in rule.topics {
                var filled = pattern
                for variable in ["${cn}", "${identity}", "${client_id}"] { filled = filled.replacingOccurrences(of: variable, with: device) }
                return filled.split(separator: "/", omittingEmptySubsequences: false).map { $0 == "#" || $0 == "+" ? "state" : String($0) }
                    .joined(separator: "/")
            }
        }
        return "devices/\(device)/state"
    }
}
