import Foundation
import MQTTBroker
import Yams

/// `endpoints:` — what `pkilab up` serves, with the connection caps and timeouts.
extension LabBuilder {
    // MARK: Endpoints

    func readEndpoints(_ node: LabNode?, authorities: [AuthoritySpec], certificates: [LeafSpec]) throws(LabFileError) -> [EndpointSpec] {
        let servers = certificates.filter(\.role.servesTLS)
        let roots = authorities.filter(\.isRoot).map(\.name)
        guard let node else {
            guard let server = servers.first else { return [] }
            return EndpointSpec.Kind.labKinds.map { EndpointSpec(kind: $0, certificate: server.name, trust: roots) }
        }
        let entries = try node.mapping(allowed: Self.endpointsKeys, what: "the endpoints")
        var bind = "127.0.0.1"
        if let bindNode = entries.first(where: { $0.key == "bind" })?.value {
            bind = try bindAddress(bindNode)
        }
        let limits = try readLimits(entries)
        var result: [(spec: EndpointSpec, node: LabNode)] = []
        for kind in EndpointSpec.Kind.labKinds {
            let endpointNode = entries.first { $0.key == kind.rawValue }?.value
            var base = EndpointSpec(kind: kind, bind: bind, certificate: servers.first?.name ?? "", trust: roots)
            base.limits = limits
            // An mqtt: entry may list several listeners (for example one per behaviour).
            if kind == .mqtt, let endpointNode, case .sequence = endpointNode.node {
                for (index, item) in try endpointNode.list(what: "MQTT listeners").enumerated() {
                    var listener = base
                    listener.name = index == 0 ? "mqtt" : "mqtt-\(index + 1)"
                    listener.portSetting = "endpoints.mqtt[\(index)].port"
                    if let spec = try readEndpoint(item, base: listener, authorities: authorities, certificates: certificates, parent: node) {
                        result.append((spec, item))
                    }
                }
                continue
            }
            if let spec = try readEndpoint(endpointNode, base: base, authorities: authorities, certificates: certificates, parent: node) {
                result.append((spec, endpointNode ?? node))
            }
        }
        try checkApart(result)
        return result.map(\.spec)
    }

    /// Two listeners may share neither a name (events and `--port` tell them apart by it) nor an address and port.
    /// A clash is reported where the second was written, or where the first was when the second keeps its default.
    func checkApart(_ listeners: [(spec: EndpointSpec, node: LabNode)]) throws(LabFileError) {
        var names: Set<String> = []
        var sockets: [String: (name: String, key: String, written: LabNode?)] = [:]
        for (spec, node) in listeners {
            let entries = (try? node.mapping(what: "an endpoint")) ?? []
            func written(_ key: String) -> LabNode? { node.path.count > 1 ? entries.first { $0.key == key }?.value : nil }
            if names.contains(spec.name) {
                let hint = spec.kind == .mqtt
                    ? "give each MQTT listener its own name:, for example name: mqtt-aws"
                    : "give each endpoint its own name:, for example name: \(spec.name)-2"
                throw (written("name") ?? node).error(.nameClash, "two endpoints are named \"\(spec.name)\"", hint: hint)
            }
            names.insert(spec.name)
            for (port, key, name) in [(spec.port, "port", spec.name), (spec.mqtt.plainPort ?? 0, "plain_port", "\(spec.name)-plain")] where port != 0 {
                let socket = DisplayHost.socket(spec.bind, port: port)
                if let first = sockets[socket] {
                    if written(key) == nil, let firstNode = first.written {
                        throw firstNode.error(.invalidValue, "\(first.name) and \(name) both listen on \(socket)",
                                              hint: "give \(first.name) another \(first.key) (0 picks a free one), or move \(name) (its \(key))")
                    }
                    throw (written(key) ?? node).error(.invalidValue, "\(name) and \(first.name) both listen on \(socket)",
                                                       hint: "give \(name) another \(key) (0 picks a free one), or move \(first.name) (its \(first.key))")
                }
                sockets[socket] = (name, key, written(key))
            }
        }
    }

    /// The caps and timeouts written directly under `endpoints:`.
    func readLimits(_ entries: [(key: String, value: LabNode)]) throws(LabFileError) -> ServingLimits {
        var limits = ServingLimits()
        for (key, value) in entries where ServingLimits.keys.contains(key) {
            switch key {
            case "max_connections": limits.maxConnections = try value.int(what: "the most connections open at once, over all endpoints", range: 1...1_000_000)
            case "max_connections_per_address": limits.maxConnectionsPerAddress = try value.int(what: "the most connections open at once from one address", range: 1...1_000_000)
            case "max_connections_per_client": limits.maxConnectionsPerClient = try value.int(what: "the most TLS connections open at once with one client certificate", range: 1...1_000_000)
            case "idle_timeout": limits.idleTimeout = try value.int(what: "seconds an HTTP connection may wait for a complete request", range: 1...3600)
            default: preconditionFailure("ServingLimits.keys has \(key), which is not read here")
            }
        }
        return limits
    }

    /// One endpoint's settings over `base`; nil when it says `enabled: false`.
    func readEndpoint(_ endpointNode: LabNode?, base: EndpointSpec, authorities: [AuthoritySpec], certificates: [LeafSpec],
                              parent node: LabNode) throws(LabFileError) -> EndpointSpec? {
        let servers = certificates.filter(\.role.servesTLS)
        let kind = base.kind
        var spec = base
        var enabled = true
        // The first of AWS IoT's own ALPN protocols in alpn:, and where it is written.
        var awsProtocol: (name: String, node: LabNode)?
        if let endpointNode {
            let allowed = kind.usesTLS ? Self.endpointKeys + (kind == .mqtt ? Self.mqttKeys : []) : ["enabled", "port", "bind"]
            for (key, value) in try endpointNode.mapping(allowed: allowed, what: "an endpoint") {
                switch key {
                case "enabled": enabled = try bool(value)
                case "port": spec.port = try value.int(what: "a port", range: 0...65535)
                case "bind":
                    spec.bind = try bindAddress(value)
                    spec.bindSetting = String(spec.portSetting.dropLast(".port".count)) + ".bind"
                case "certificate":
                    let name = try value.string(what: "the name of the certificate it presents")
                    guard let leaf = certificates.first(where: { $0.name == name }) else {
                        throw value.error(.unknownIssuer, "there is no certificate named \"\(name)\"",
                                          hint: "server certificates in this lab: \(servers.map(\.name).joined(separator: ", "))")
                    }
                    guard leaf.role.servesTLS else {
                        throw value.error(.invalidRole, "\"\(name)\" is a client certificate; an endpoint must present a server certificate",
                                          hint: "give it role: server (or both), or name another certificate")
                    }
                    spec.certificate = name
                case "client_auth": spec.clientAuth = try choice(value, EndpointSpec.ClientAuth.self)
                case "client_chain": spec.clientChain = try choice(value, EndpointSpec.ClientChain.self)
                case "tls_min": spec.minimumTLS = try choice(value, EndpointSpec.TLSVersion.self)
                case "tls_max": spec.maximumTLS = try choice(value, EndpointSpec.TLSVersion.self)
                case "tls_engine": spec.tlsEngine = try choice(value, EndpointSpec.TLSEngine.self)
                case "trust":
                    var trust: [String] = []
                    for item in try value.list(what: "the authorities whose client certificates it accepts") {
                        let name = try item.string(what: "an authority name")
                        guard authorities.contains(where: { $0.name == name }) else {
                            throw item.error(.unknownIssuer, "there is no authority named \"\(name)\"",
                                             hint: "authorities in this lab: \(authorities.map(\.name).joined(separator: ", "))")
                        }
                        trust.append(name)
                    }
                    spec.trust = trust
                case "ciphers":
                    spec.ciphers = try value.list(what: "TLS 1.2 cipher suites").map { item throws(LabFileError) in
                        let name = try item.string(what: "a cipher suite name")
                        if let problem = CipherSuites.problem(with: name) { throw item.error(.invalidValue, problem.message, hint: problem.hint) }
                        return name
                    }
                case "alpn":
                    spec.alpn = try value.list(what: "ALPN protocol names").map { item throws(LabFileError) in
                        let name = try item.string(what: "a protocol name")
                        if awsProtocol == nil, EndpointSpec.isAWSProtocol(name) { awsProtocol = (name, item) }
                        return name
                    }
                case "files":
                    spec.files = try value.string(what: "a folder to serve at /files/")
                    spec.filesLocation = value.location
                case "http2": spec.http2 = try bool(value)
                case "name":
                    let name = try value.string(what: "a name for the listener")
                    guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                        throw value.error(.invalidName, "\"\(name)\" is not a usable listener name", hint: "use letters, digits, - and _")
                    }
                    spec.name = name
                case "behaviour", "behavior": spec.mqtt.behaviour = try choice(value, BrokerBehaviour.self)
                case "identity": spec.mqtt.identity = try choice(value, IdentitySource.self)
                case "plain_port": spec.mqtt.plainPort = try value.int(what: "a port for plain MQTT (no TLS)", range: 0...65535)
                case "max_packet_size": spec.mqtt.maximumPacketSize = try value.int(what: "a packet size in bytes", range: 64...268_304_384)
                case "max_subscriptions": spec.mqtt.maximumSubscriptions = try value.int(what: "a number of subscriptions per session", range: 1...1_000_000)
                case "persistent_session_expiry":
                    let seconds = try duration(value).seconds
                    guard seconds <= Int64(UInt32.max - 1) else {
                        throw value.error(.invalidValue, "\(seconds) s is longer than MQTT can say", hint: "use at most 136y")
                    }
                    spec.mqtt.persistentSessionExpiry = UInt32(seconds)
                case "subscriptions": spec.mqtt.subscriptionCheck = try choice(value, SubscriptionCheck.self)
                default: preconditionFailure("mapping(allowed:) let through \(key)")
                }
            }
            if spec.minimumTLS > spec.maximumTLS {
                throw endpointNode.error(.invalidValue, "tls_min \(spec.minimumTLS.rawValue) is above tls_max \(spec.maximumTLS.rawValue)",
                                         hint: "swap them, or leave them out for TLS 1.2 and 1.3")
            }
            if let awsProtocol, !spec.isAWSIoT {
                let what = kind == .mqtt ? "this MQTT listener has behaviour: \(spec.mqtt.behaviour.rawValue)" : "this is the \(kind.rawValue) endpoint"
                throw awsProtocol.node.error(.invalidValue,
                                             "\(awsProtocol.name) is AWS IoT's own ALPN protocol, for an mqtt listener with behaviour: aws only; \(what)",
                                             hint: kind == .mqtt ? "add behaviour: aws to make it an AWS IoT port 443 twin, or remove \(awsProtocol.name) from alpn:"
                                                 : "move it to an mqtt listener with behaviour: aws (an AWS IoT port 443 twin), or remove \(awsProtocol.name) from alpn:")
            }
            if kind != .https && (spec.files != nil) {
                throw endpointNode.error(.unknownKey, "files is for the https endpoint only", hint: "move it under endpoints.https")
            }
        }
        guard enabled else { return nil }
        if spec.certificate.isEmpty {
            throw (endpointNode ?? node).error(.missingKey, "the \(kind.rawValue) endpoint has no server certificate to present",
                                               hint: "add a certificate with role: server under certificates:, or set enabled: false")
        }
        return spec
    }
}
