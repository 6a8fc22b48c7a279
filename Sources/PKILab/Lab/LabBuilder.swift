import Foundation
import MQTTBroker
import MQTTCodec
import Yams

/// Turns the node tree of a lab file into a validated ``Lab``: section by section, then the checks that
/// span sections (issuers, cycles, path lengths, name constraints).
struct LabBuilder {
    let reader: LabFileReader

    static let topKeys = ["lab", "defaults", "authorities", "certificates", "endpoints", "policy", "broker", "zoo", "revocation", "events"]
    static let brokerKeys = ["max_sessions", "max_retained_messages", "max_retained_bytes"]
    static let eventsKeys = ["max_size", "keep"]
    static let zooKeys = ["port", "mqtt_port", "bind"]
    static let revocationKeys = ["url", "ocsp_url"]
    static let endpointsKeys = ["bind"] + ServingLimits.keys + EndpointSpec.Kind.allCases.map(\.rawValue)
    static let endpointKeys = ["enabled", "port", "bind", "certificate", "client_auth", "trust", "client_chain", "tls_min", "tls_max",
                               "ciphers", "alpn", "files", "http2"]
    static let mqttKeys = ["name", "behaviour", "behavior", "identity", "plain_port", "max_packet_size", "max_subscriptions",
                                "persistent_session_expiry", "subscriptions"]
    static let policyKeys = ["allow", "deny", "topics", "identities"]
    static let defaultsKeys = ["key", "validity", "authority_validity", "skew"]
    static let authorityKeys = ["parent", "subject", "key", "validity", "not_before", "not_after", "path_len", "name_constraints"]
    static let certificateKeys = ["issuer", "role", "subject", "names", "key", "validity", "not_before", "not_after"]

    private var labName = "lab"
    private var defaults = LabDefaults.standard

    init(reader: LabFileReader) {
        self.reader = reader
    }

    mutating func build(_ root: Node) throws(LabFileError) -> Lab {
        let top = LabNode(node: root, path: [], reader: reader)
        let entries = try top.mapping(allowed: Self.topKeys, what: "a lab (with authorities: and certificates:)")
        func entry(_ key: String) -> LabNode? { entries.first { $0.key == key }?.value }

        if let node = entry("lab") { labName = try readLabName(node) }
        if let node = entry("defaults") { try readDefaults(node) }
        guard let authoritiesNode = entry("authorities") else {
            throw top.error(.missingKey, "the lab declares no authorities",
                            hint: "add an authorities: section with at least a root, e.g. root: { subject: { CN: My Root CA } }")
        }
        var authorities: [AuthoritySpec] = []
        var parentNodes: [String: LabNode] = [:]
        for (name, node) in try authoritiesNode.mapping(what: "the authorities, each under its own name") {
            try checkFolderName(name, node)
            let (spec, parentNode) = try readAuthority(name: name, node)
            authorities.append(spec)
            if let parentNode { parentNodes[name] = parentNode }
        }
        guard !authorities.isEmpty else {
            throw authoritiesNode.error(.missingKey, "the lab declares no authorities", hint: "add at least a root authority")
        }
        let ordered = try order(authorities, parentNodes: parentNodes)
        for authority in ordered where authority.validity.clockless {
            if let parent = authority.parent.flatMap({ name in ordered.first { $0.name == name } }), !parent.validity.clockless, let node = parentNodes[authority.name] {
                throw node.error(.invalidValue, "authority \"\(authority.name)\" is clockless but its parent \"\(parent.name)\" is not: a device with a 1970 clock checks every certificate of the chain",
                                 hint: "give validity: clockless to \"\(parent.name)\" too, or make \"\(authority.name)\" a root of its own")
            }
        }

        var certificates: [LeafSpec] = []
        if let certificatesNode = entry("certificates") {
            for (name, node) in try certificatesNode.mapping(what: "the certificates, each under its own name") {
                try checkFolderName(name, node)
                if authorities.contains(where: { $0.name == name }) {
                    throw node.keyError(.nameClash, "\"\(name)\" is already the name of an authority",
                                     hint: "give the certificate another name; names are how pkilab show and the ca/ folders find things")
                }
                certificates.append(try readCertificate(name: name, node, authorities: ordered))
            }
        }
        let endpoints = try readEndpoints(entry("endpoints"), authorities: ordered, certificates: certificates)
        let policy = try entry("policy").map { node throws(LabFileError) in try readPolicy(node) }
        let zoo = try entry("zoo").map { node throws(LabFileError) in try readZoo(node) } ?? nil
        // Every certificate below a root names its issuer's CRL, served by the crl endpoint.
        var server = "http://localhost:\(EndpointSpec.Kind.crl.defaultPort)"
        if let crl = endpoints.first(where: { $0.kind == .crl }), crl.port != 0 {
            let host = ["127.0.0.1", "0.0.0.0", "::", "::1"].contains(crl.bind) ? "localhost" : (crl.bind.contains(":") ? "[\(crl.bind)]" : crl.bind)
            server = "http://\(host):\(crl.port)"
        }
        var crlBase = "\(server)/crl"
        var ocspURL = "\(server)/ocsp"
        if let node = entry("revocation") {
            for (key, value) in try node.mapping(allowed: Self.revocationKeys, what: "the revocation settings") {
                let text = try value.string(what: key == "url" ? "the base URL of the CRLs" : "the OCSP responder's URL")
                guard text.hasPrefix("http://"), URL(string: text)?.host != nil else {
                    throw value.error(.invalidValue, "\"\(text)\" is not an http:// URL",
                                      hint: "CRLs and OCSP are fetched over plain HTTP (RFC 5280 §4.2.1.13, RFC 6960), e.g. url: http://192.168.1.10:8480/crl")
                }
                let trimmed = text.hasSuffix("/") ? String(text.dropLast()) : text
                if key == "url" { crlBase = trimmed } else { ocspURL = trimmed }
            }
        }
        let withCRL = ordered.map { authority -> AuthoritySpec in
            var authority = authority
            authority.crlURL = authority.parent.map { "\(crlBase)/\($0).crl" }
            authority.ocspURL = authority.parent.map { _ in ocspURL }
            return authority
        }
        certificates = certificates.map { leaf in
            var leaf = leaf
            leaf.crlURL = "\(crlBase)/\(leaf.issuer).crl"
            leaf.ocspURL = ocspURL
            return leaf
        }
        var lab = Lab(name: labName, file: reader.displayName, authorities: withCRL, certificates: certificates, defaults: defaults,
                      endpoints: endpoints, policy: policy, zoo: zoo, crlBaseURL: crlBase, ocspURL: ocspURL)
        if let node = entry("broker") { lab.brokerQuotas = try BrokerSection.read(node) }
        if let node = entry("events") { lab.events = try EventsSection.read(node) }
        return lab
    }

    // MARK: Zoo

    /// `zoo: true`, `zoo: false`, or `zoo: { port: 9400, mqtt_port: 9500, bind: 127.0.0.1 }`.
    private func readZoo(_ node: LabNode) throws(LabFileError) -> ZooSpec? {
        if case .scalar = node.node { return try bool(node) ? ZooSpec() : nil }
        var spec = ZooSpec()
        for (key, value) in try node.mapping(allowed: Self.zooKeys, what: "the zoo's settings") {
            switch key {
            case "port": spec.port = try value.int(what: "the first zoo port", range: 0...(65535 - ZooServer.allCases.count))
            case "mqtt_port": spec.mqttPort = try value.int(what: "the first zoo MQTT port", range: 0...(65535 - ZooServer.mqttVariants.count))
            default: spec.bind = try bindAddress(value)
            }
        }
        return spec
    }

    // MARK: Endpoints

    private func readEndpoints(_ node: LabNode?, authorities: [AuthoritySpec], certificates: [LeafSpec]) throws(LabFileError) -> [EndpointSpec] {
        let servers = certificates.filter(\.role.servesTLS)
        let roots = authorities.filter(\.isRoot).map(\.name)
        guard let node else {
            guard let server = servers.first else { return [] }
            return EndpointSpec.Kind.allCases.map { EndpointSpec(kind: $0, certificate: server.name, trust: roots) }
        }
        let entries = try node.mapping(allowed: Self.endpointsKeys, what: "the endpoints")
        var bind = "127.0.0.1"
        if let bindNode = entries.first(where: { $0.key == "bind" })?.value {
            bind = try bindAddress(bindNode)
        }
        let limits = try readLimits(entries)
        var result: [EndpointSpec] = []
        for kind in EndpointSpec.Kind.allCases {
            let endpointNode = entries.first { $0.key == kind.rawValue }?.value
            var base = EndpointSpec(kind: kind, bind: bind, certificate: servers.first?.name ?? "", trust: roots)
            base.limits = limits
            // An mqtt: entry may list several listeners (for example one per behaviour).
            if kind == .mqtt, let endpointNode, case .sequence = endpointNode.node {
                for (index, item) in try endpointNode.list(what: "MQTT listeners").enumerated() {
                    var listener = base
                    listener.name = index == 0 ? "mqtt" : "mqtt-\(index + 1)"
                    if let spec = try readEndpoint(item, base: listener, authorities: authorities, certificates: certificates, parent: node) {
                        result.append(spec)
                    }
                }
                continue
            }
            if let spec = try readEndpoint(endpointNode, base: base, authorities: authorities, certificates: certificates, parent: node) {
                result.append(spec)
            }
        }
        let names = result.map(\.name)
        if Set(names).count != names.count {
            throw node.error(.nameClash, "two endpoints have the same name", hint: "give each MQTT listener its own name:")
        }
        let ports = result.flatMap { spec in [spec.port, spec.mqtt.plainPort ?? 0].filter { $0 != 0 }.map { "\(spec.bind):\($0)" } }
        if Set(ports).count != ports.count {
            throw node.error(.invalidValue, "two endpoints listen on the same port", hint: "give each endpoint its own port (0 picks a free one)")
        }
        return result
    }

    /// The caps and timeouts written directly under `endpoints:`.
    private func readLimits(_ entries: [(key: String, value: LabNode)]) throws(LabFileError) -> ServingLimits {
        var limits = ServingLimits()
        for (key, value) in entries {
            switch key {
            case "max_connections": limits.maxConnections = try value.int(what: "the most connections open at once, over all endpoints", range: 1...1_000_000)
            case "max_connections_per_address": limits.maxConnectionsPerAddress = try value.int(what: "the most connections open at once from one address", range: 1...1_000_000)
            case "max_connections_per_client": limits.maxConnectionsPerClient = try value.int(what: "the most TLS connections open at once with one client certificate", range: 1...1_000_000)
            case "idle_timeout": limits.idleTimeout = try value.int(what: "seconds an HTTP connection may wait for a complete request", range: 1...3600)
            default: break
            }
        }
        return limits
    }

    /// One endpoint's settings over `base`; nil when it says `enabled: false`.
    private func readEndpoint(_ endpointNode: LabNode?, base: EndpointSpec, authorities: [AuthoritySpec], certificates: [LeafSpec],
                              parent node: LabNode) throws(LabFileError) -> EndpointSpec? {
        let servers = certificates.filter(\.role.servesTLS)
        let kind = base.kind
        var spec = base
        var enabled = true
        if let endpointNode {
            let allowed = kind.usesTLS ? Self.endpointKeys + (kind == .mqtt ? Self.mqttKeys : []) : ["enabled", "port", "bind"]
            for (key, value) in try endpointNode.mapping(allowed: allowed, what: "an endpoint") {
                switch key {
                case "enabled": enabled = try bool(value)
                case "port": spec.port = try value.int(what: "a port", range: 0...65535)
                case "bind": spec.bind = try bindAddress(value)
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
                case "ciphers": spec.ciphers = try value.list(what: "TLS 1.2 cipher suites").map { item throws(LabFileError) in try item.string(what: "a cipher suite name") }
                case "alpn": spec.alpn = try value.list(what: "ALPN protocol names").map { item throws(LabFileError) in try item.string(what: "a protocol name") }
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

    // MARK: Policy

    /// `policy:` — a list of rules, each `allow:` or `deny:` one or more actions, with `topics:` and optional `identities:`.
    private func readPolicy(_ node: LabNode) throws(LabFileError) -> BrokerPolicy {
        var rules: [PolicyRule] = []
        for item in try node.list(what: "policy rules (each - allow: publish … topics: […])") {
            let entries = try item.mapping(allowed: Self.policyKeys, what: "a policy rule")
            func entry(_ key: String) -> LabNode? { entries.first { $0.key == key }?.value }
            let allow = entry("allow"), deny = entry("deny")
            guard (allow == nil) != (deny == nil), let actionsNode = allow ?? deny else {
                throw item.error(allow == nil ? .missingKey : .invalidValue, "a rule says either allow: or deny:, once",
                                 hint: "for example - allow: [publish, subscribe]  topics: [\"devices/${cn}/#\"]")
            }
            let actionNodes: [LabNode]
            if case .sequence = actionsNode.node { actionNodes = try actionsNode.list(what: "actions") } else { actionNodes = [actionsNode] }
            var actions: Set<PolicyRule.Action> = []
            for actionNode in actionNodes { actions.insert(try choice(actionNode, PolicyRule.Action.self)) }
            guard let topicsNode = entry("topics") else {
                throw item.error(.missingKey, "the rule names no topics", hint: "add topics: [\"devices/${cn}/#\"]; variables: ${cn}, ${identity}, ${client_id}")
            }
            let topicNodes: [LabNode]
            if case .sequence = topicsNode.node { topicNodes = try topicsNode.list(what: "topic filters") } else { topicNodes = [topicsNode] }
            var topics: [String] = []
            for topicNode in topicNodes {
                let topic = try topicNode.string(what: "a topic filter")
                try checkPolicyTopic(topic, topicNode)
                topics.append(topic)
            }
            var identities: [String] = []
            if let identitiesNode = entry("identities") {
                for identityNode in try identitiesNode.list(what: "identities (certificate names such as device-001)") {
                    identities.append(try identityNode.string(what: "an identity"))
                }
            }
            let line = item.location.line
            rules.append(PolicyRule(effect: allow != nil ? .allow : .deny, actions: actions, topics: topics, identities: identities,
                                    origin: "\(reader.displayName):\(line)"))
        }
        return BrokerPolicy(rules: rules)
    }

    /// A policy topic is an MQTT topic filter once its variables are filled in.
    private func checkPolicyTopic(_ topic: String, _ node: LabNode) throws(LabFileError) {
        var probe = topic
        var rest = Substring(topic)
        while let open = rest.range(of: "${") {
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                throw node.error(.invalidValue, "\"\(topic)\" has a ${ without its }", hint: "variables: ${cn}, ${identity}, ${client_id}")
            }
            let variable = String(rest[open.lowerBound...close])
            guard PolicyRule.variables.contains(variable) else {
                throw node.error(.invalidValue, "\"\(variable)\" is not a policy variable", hint: "variables: \(PolicyRule.variables.joined(separator: ", "))")
            }
            rest = rest[rest.index(after: close)...]
        }
        for variable in PolicyRule.variables { probe = probe.replacingOccurrences(of: variable, with: "x") }
        do {
            _ = try TopicFilter(probe)
        } catch {
            throw node.error(.invalidValue, "\"\(topic)\" is not a topic filter: \(error.message)", hint: "+ and # stand for whole levels; # only last")
        }
    }

    private func bindAddress(_ node: LabNode) throws(LabFileError) -> String {
        let text = try node.string(what: "an address to listen on")
        guard CertificateName.parseIP(text) != nil || text == "localhost" else {
            throw node.error(.invalidValue, "\"\(text)\" is not an address to listen on",
                             hint: "use 127.0.0.1 (this machine only, the default), 0.0.0.0 (every interface) or one of this machine's addresses")
        }
        return text
    }

    private func bool(_ node: LabNode) throws(LabFileError) -> Bool {
        let text = try node.string(what: "true or false").lowercased()
        switch text {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw node.error(.invalidValue, "\"\(text)\" is not true or false", hint: "write true or false")
        }
    }

    private func choice<T: RawRepresentable & CaseIterable>(_ node: LabNode, _ type: T.Type) throws(LabFileError) -> T where T.RawValue == String {
        let text = try node.string(what: "one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        guard let value = T(rawValue: text.lowercased()) else {
            throw node.error(.invalidValue, "\"\(text)\" is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))",
                             hint: "use one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    // MARK: Sections

    private mutating func readDefaults(_ node: LabNode) throws(LabFileError) {
        for (key, value) in try node.mapping(allowed: Self.defaultsKeys, what: "the lab's defaults") {
            switch key {
            case "key": defaults.key = try keyAlgorithm(value)
            case "validity": defaults.leafValidity = try duration(value)
            case "authority_validity": defaults.authorityValidity = try duration(value)
            default: defaults.skew = try duration(value)
            }
        }
    }

    private func readAuthority(name: String, _ node: LabNode) throws(LabFileError) -> (AuthoritySpec, LabNode?) {
        var parent: String?
        var parentNode: LabNode?
        var subject = SubjectSpec(fields: ["CN": name])
        var key = defaults.key
        var pathLength: Int?
        var constraints: NameConstraintsSpec?
        let entries = try node.mapping(allowed: Self.authorityKeys, what: "an authority")
        for (entryKey, value) in entries {
            switch entryKey {
            case "parent":
                parent = try value.string(what: "the name of the authority that signs this one")
                parentNode = value
            case "subject": subject = try readSubject(value)
            case "key": key = try keyAlgorithm(value)
            case "path_len": pathLength = try value.int(what: "a path length", range: 0...16)
            case "name_constraints": constraints = try readNameConstraints(value)
            default: break
            }
        }
        let validity = try readValidity(entries, default: defaults.authorityValidity, owner: node)
        return (AuthoritySpec(name: name, parent: parent, subject: subject, key: key, validity: validity,
                              pathLength: pathLength, nameConstraints: constraints, location: node.keyLocation ?? node.location), parentNode)
    }

    private func readCertificate(name: String, _ node: LabNode, authorities: [AuthoritySpec]) throws(LabFileError) -> LeafSpec {
        let entries = try node.mapping(allowed: Self.certificateKeys, what: "a certificate")
        func entry(_ key: String) -> LabNode? { entries.first { $0.key == key }?.value }

        // The issuer: named, or the only authority that signs no other authority.
        let issuer: String
        let bottom = authorities.filter { authority in !authorities.contains { $0.parent == authority.name } }
        if let issuerNode = entry("issuer") {
            issuer = try issuerNode.string(what: "the name of the authority that signs this certificate")
            guard authorities.contains(where: { $0.name == issuer }) else {
                let suggestion = LabNode.nearest(to: issuer, in: authorities.map(\.name))
                throw issuerNode.error(.unknownIssuer, "there is no authority named \"\(issuer)\"" + (suggestion.map { ". Did you mean \"\($0)\"?" } ?? ""),
                                       hint: "authorities in this lab: \(authorities.map(\.name).joined(separator: ", "))")
            }
        } else if bottom.count == 1 {
            issuer = bottom[0].name
        } else {
            throw node.keyError(.missingKey, "the certificate does not say which authority signs it",
                             hint: "add issuer: with one of \(bottom.map(\.name).joined(separator: ", "))")
        }

        var role = LeafRole.client
        if let roleNode = entry("role") {
            let text = try roleNode.string(what: "a role")
            guard let parsed = LeafRole(rawValue: text.lowercased()) else {
                throw roleNode.error(.invalidRole, "\"\(text)\" is not a role", hint: "use server, client or both")
            }
            role = parsed
        }
        let key = try entry("key").map { node throws(LabFileError) in try keyAlgorithm(node) } ?? defaults.key
        let ancestry = Lab(name: labName, file: "", authorities: authorities, certificates: [], defaults: defaults).ancestry(of: issuer)
        var notices: [String] = []
        var names: [CertificateName] = []
        if let namesNode = entry("names") {
            names = try readNames(namesNode, ancestry: ancestry, notices: &notices)
            if role.servesTLS && !names.contains(where: { if case .dns = $0 { return true }; if case .ip = $0 { return true }; return false }) {
                throw namesNode.error(.invalidName, "a \(role.rawValue) certificate needs at least one DNS name or IP address, or no TLS client will accept it",
                                      hint: "add the name clients dial, e.g. names: [localhost, 127.0.0.1], or leave names: out for those defaults")
            }
        } else if role.servesTLS {
            names = ["localhost", "127.0.0.1", "::1"].compactMap { try? CertificateName.parse($0).get() }
            names = addDNSCopies(names, ancestry: ancestry, notices: &notices)
        }
        if names.isEmpty {
            // A SAN is always present: BoringSSL and strict validators treat a name-less leaf badly.
            names = [.uri("urn:pkilab:\(Self.urnSafe(labName)):\(name)")]
        }
        var subject: SubjectSpec
        if let subjectNode = entry("subject") {
            subject = try readSubject(subjectNode)
        } else {
            subject = SubjectSpec(fields: [:])
        }
        if subject.fields["CN"] == nil {
            let primary = role.servesTLS ? names.lazy.compactMap { name -> String? in
                if case .dns(let dns) = name, !dns.hasPrefix("*.") { return dns }
                return nil
            }.first : nil
            subject.fields["CN"] = primary ?? name
        }
        let validity = try readValidity(entries, default: defaults.leafValidity, owner: node)
        if validity.clockless {
            if let dated = ancestry.first(where: { !$0.validity.clockless }) {
                throw (entry("validity") ?? node).error(.invalidValue,
                    "\"\(name)\" is clockless but its authority \"\(dated.name)\" is not: a device with a 1970 clock checks every certificate of the chain",
                    hint: "give validity: clockless to \(ancestry.filter { !$0.validity.clockless }.map { "\"\($0.name)\"" }.joined(separator: " and ")) too (a separate clockless root keeps the rest of the lab as it is)")
            }
            notices.append("validity: clockless: valid from 1970-01-01, so a device whose clock is unset accepts it. Use it only to tell a clock problem from a TLS problem, then set the clock (SNTP)")
        }
        return LeafSpec(name: name, issuer: issuer, role: role, subject: subject, names: names, key: key,
                        validity: validity, notices: notices, location: node.keyLocation ?? node.location)
    }

    // MARK: Values

    private func readNames(_ node: LabNode, ancestry: [AuthoritySpec], notices: inout [String]) throws(LabFileError) -> [CertificateName] {
        var names: [CertificateName] = []
        for item in try node.list(what: "the names the certificate is valid for") {
            let text = try item.string(what: "a name (DNS, IP, URI or e-mail)")
            let expanded = text.lowercased() == "auto" ? reader.autoNames() : [text]
            for raw in expanded {
                switch CertificateName.parse(raw) {
                case .failure(let failure):
                    throw item.error(.invalidName, failure.message, hint: failure.hint)
                case .success(let name):
                    if let blocker = ancestry.first(where: { !($0.nameConstraints?.permits(name) ?? true) }) {
                        if text.lowercased() == "auto" {
                            notices.append("left out \(name) (from auto): authority \"\(blocker.name)\" does not permit it")
                            continue
                        }
                        throw item.error(.nameConstraintViolation,
                                         "\(name) is outside the name constraints of authority \"\(blocker.name)\" (\(blocker.nameConstraints!))",
                                         hint: "remove the name, or widen name_constraints.permitted on \"\(blocker.name)\"")
                    }
                    if !names.contains(name) { names.append(name) }
                }
            }
        }
        return addDNSCopies(names, ancestry: ancestry, notices: &notices)
    }

    /// ESP32 (mbedTLS 2.x) and ESP8266 (BearSSL) match only DNS names, so every IPv4 name is also written as a
    /// DNS name with the same text, unless a name constraint forbids it.
    private func addDNSCopies(_ names: [CertificateName], ancestry: [AuthoritySpec], notices: inout [String]) -> [CertificateName] {
        var result: [CertificateName] = []
        for name in names {
            result.append(name)
            guard name.isIPv4 else { continue }
            let copy = CertificateName.dns(name.value)
            guard !names.contains(copy), !result.contains(copy) else { continue }
            if let blocker = ancestry.first(where: { !($0.nameConstraints?.permits(copy) ?? true) }) {
                notices.append("left out the DNS copy of \(name) that ESP32/ESP8266 stacks need: authority \"\(blocker.name)\"'s name constraints do not permit DNS:\(name.value)")
                continue
            }
            result.append(copy)
        }
        return result
    }

    private func readSubject(_ node: LabNode) throws(LabFileError) -> SubjectSpec {
        var fields: [String: String] = [:]
        for (key, value) in try node.mapping(allowed: SubjectSpec.keys, what: "a subject") {
            let text = try value.string(what: "the \(key) field")
            if let problem = LabText.subjectProblem(key, text) {
                throw value.error(.invalidValue, problem.message, hint: problem.hint)
            }
            if key == "C", !(text.count == 2 && text.allSatisfy({ $0.isASCII && $0.isLetter })) {
                throw value.error(.invalidValue, "\"\(text)\" is not a two-letter country code", hint: "write it like DE, FR or US")
            }
            if key == "emailAddress", case .success(.email) = CertificateName.parse("email:" + text) {} else if key == "emailAddress" {
                throw value.error(.invalidValue, "\"\(text)\" is not an e-mail address", hint: "write it like ops@lab.test")
            }
            fields[key] = text
        }
        guard !fields.isEmpty else {
            throw node.error(.missingKey, "the subject has no fields", hint: "give at least CN, e.g. subject: { CN: My Root CA }")
        }
        return SubjectSpec(fields: fields)
    }

    private func readNameConstraints(_ node: LabNode) throws(LabFileError) -> NameConstraintsSpec {
        var permitted: [NameConstraintsSpec.Subtree] = []
        var excluded: [NameConstraintsSpec.Subtree] = []
        for (key, value) in try node.mapping(allowed: ["permitted", "excluded"], what: "name constraints") {
            var subtrees: [NameConstraintsSpec.Subtree] = []
            for item in try value.list(what: "DNS domains and IP ranges") {
                subtrees.append(try subtree(item))
            }
            if key == "permitted" { permitted = subtrees } else { excluded = subtrees }
        }
        guard !permitted.isEmpty || !excluded.isEmpty else {
            throw node.error(.missingKey, "name_constraints has neither permitted nor excluded names",
                             hint: "add permitted: [lab.test, 127.0.0.0/8] or remove name_constraints")
        }
        return NameConstraintsSpec(permitted: permitted, excluded: excluded)
    }

    private func subtree(_ item: LabNode) throws(LabFileError) -> NameConstraintsSpec.Subtree {
        let text = try item.string(what: "a DNS domain or an IP range")
        if let slash = text.firstIndex(of: "/") {
            let address = String(text[..<slash]), prefixText = String(text[text.index(after: slash)...])
            if case .ip(let bytes, _)? = CertificateName.parseIP(address), let prefix = Int(prefixText), prefix >= 0, prefix <= bytes.count * 8 {
                return .ip(address: bytes, prefixLength: prefix, text: text)
            }
            throw item.error(.invalidName, "\"\(text)\" is not an IP range", hint: "write IP ranges in CIDR form, like 127.0.0.0/8 or fd00::/8")
        }
        if case .ip(let bytes, _)? = CertificateName.parseIP(text) {
            return .ip(address: bytes, prefixLength: bytes.count * 8, text: text)
        }
        let domain = text.hasPrefix(".") ? String(text.dropFirst()) : text
        guard case .success(.dns(let dns)) = CertificateName.parse("dns:" + domain), !dns.contains("*") else {
            throw item.error(.invalidName, "\"\(text)\" is not a DNS domain or IP range", hint: "write domains like lab.test (or .lab.test for names below it only) and IP ranges like 127.0.0.0/8")
        }
        return .dns(text.hasPrefix(".") ? "." + dns : dns)
    }

    private func readValidity(_ entries: [(key: String, value: LabNode)], default fallback: LabDuration, owner: LabNode) throws(LabFileError) -> ValiditySpec {
        func entry(_ key: String) -> LabNode? { entries.first { $0.key == key }?.value }
        if let node = entry("validity"), (try? node.string(what: "a validity"))?.lowercased() == "clockless" {
            if let dated = entry("not_before") ?? entry("not_after") {
                throw dated.error(.invalidValue, "validity: clockless sets both dates (1970-01-01 to 2049-12-31)",
                                  hint: "remove not_before and not_after, or give a duration instead of clockless")
            }
            return .clockless(skew: defaults.skew)
        }
        let durationValue = try entry("validity").map { node throws(LabFileError) in try duration(node) }
        let notBefore = try entry("not_before").map { node throws(LabFileError) in try date(node) }
        let notAfter = try entry("not_after").map { node throws(LabFileError) in try date(node) }
        if durationValue != nil, notAfter != nil {
            throw entry("not_after")!.error(.invalidValue, "give either validity or not_after, not both",
                                            hint: "remove one; with not_before, validity counts from that date")
        }
        if let notBefore, let notAfter, notAfter <= notBefore {
            throw entry("not_after")!.error(.invalidDate, "not_after (\(LabDate.iso(notAfter))) is not after not_before (\(LabDate.iso(notBefore)))",
                                            hint: "swap them or fix one of the dates")
        }
        return ValiditySpec(duration: notAfter == nil ? (durationValue ?? fallback) : nil, notBefore: notBefore, notAfter: notAfter, skew: defaults.skew)
    }

    private func duration(_ node: LabNode) throws(LabFileError) -> LabDuration {
        let text = try node.string(what: "a duration")
        guard let value = LabDuration(parsing: text) else {
            throw node.error(.invalidDuration, "\"\(text)\" is not a duration",
                             hint: "write a number and a unit: 90d, 2y, 12h, 30m, 45s, 6w (or a sum like 1y30d)")
        }
        return value
    }

    private func date(_ node: LabNode) throws(LabFileError) -> Date {
        let text = try node.string(what: "a date")
        guard let value = LabDate.parse(text) else {
            throw node.error(.invalidDate, "\"\(text)\" is not a date", hint: "write 2030-01-31 or 2030-01-31T12:00:00Z (UTC)")
        }
        return value
    }

    private func keyAlgorithm(_ node: LabNode) throws(LabFileError) -> KeyAlgorithm {
        let text = try node.string(what: "a key type")
        guard let key = KeyAlgorithm(rawValue: text.lowercased()) else {
            let suggestion = LabNode.nearest(to: text, in: KeyAlgorithm.allCases.map(\.rawValue))
            throw node.error(.invalidKeyType, "\"\(text)\" is not a key type pkilab makes" + (suggestion.map { ". Did you mean \"\($0)\"?" } ?? ""),
                             hint: "use one of \(KeyAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return key
    }

    private func checkFolderName(_ name: String, _ node: LabNode) throws(LabFileError) {
        let ok = !name.isEmpty && name.count <= 64 && !name.hasPrefix(".")
            && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E }
        guard ok else {
            throw node.keyError(.invalidName, "\"\(name)\" cannot be used as a name",
                             hint: "names become folder names in ca/: use letters, digits, \".\", \"-\" and \"_\" (up to 64, not starting with \".\")")
        }
    }

    // MARK: Cross-section checks

    /// Orders authorities so every parent comes before its children, refusing unknown parents, cycles and
    /// path-length violations.
    private func order(_ authorities: [AuthoritySpec], parentNodes: [String: LabNode]) throws(LabFileError) -> [AuthoritySpec] {
        let names = authorities.map(\.name)
        for authority in authorities {
            if let parent = authority.parent, !names.contains(parent) {
                let suggestion = LabNode.nearest(to: parent, in: names)
                throw parentNodes[authority.name]!.error(
                    .unknownIssuer, "there is no authority named \"\(parent)\"" + (suggestion.map { ". Did you mean \"\($0)\"?" } ?? ""),
                    hint: "authorities in this lab: \(names.joined(separator: ", "))")
            }
        }
        var ordered: [AuthoritySpec] = []
        var remaining = authorities
        while !remaining.isEmpty {
            let ready = remaining.filter { candidate in candidate.parent == nil || ordered.contains { $0.name == candidate.parent } }
            guard !ready.isEmpty else {
                let first = remaining[0]
                var cycle = [first.name]
                var next = first.parent
                while let current = next, !cycle.contains(current) {
                    cycle.append(current)
                    next = authorities.first { $0.name == current }?.parent
                }
                throw parentNodes[first.name]!.error(
                    .issuerCycle, "authorities sign each other in a circle: \((cycle + [next ?? first.name]).joined(separator: " → "))",
                    hint: "one of them must be a root: remove its parent:")
            }
            ordered += ready
            remaining.removeAll { r in ready.contains { $0.name == r.name } }
        }
        // Path length: an authority with path_len N may have at most N authorities below it in any chain.
        for authority in ordered where authority.parent != nil {
            var below = 0
            var current = authority.parent
            while let name = current, let ancestor = ordered.first(where: { $0.name == name }) {
                if let limit = ancestor.pathLength, below >= limit {
                    throw parentNodes[authority.name]!.error(
                        .pathLengthExceeded,
                        "authority \"\(ancestor.name)\" has path_len \(limit), so it cannot have \(below + 1) authorit\(below == 0 ? "y" : "ies") below it",
                        hint: "raise path_len on \"\(ancestor.name)\" or make \"\(authority.parent!)\" sign the certificates directly")
                }
                below += 1
                current = ancestor.parent
            }
        }
        return ordered
    }
}
