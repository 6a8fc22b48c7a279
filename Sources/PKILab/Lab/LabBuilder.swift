import Foundation
import MQTTBroker
import MQTTCodec
import Yams

/// Turns the node tree of a lab file into a validated ``Lab``: section by section, then the checks that
/// span sections (issuers, cycles, path lengths, name constraints).
struct LabBuilder {
    let reader: LabFileReader

    static let topKeys = ["lab", "defaults", "authorities", "certificates", "endpoints", "policy", "broker", "zoo", "revocation", "events", "ota", "aws_iot"]
    static let brokerKeys = ["max_sessions", "max_retained_messages", "max_retained_bytes"]
    static let eventsKeys = ["max_size", "keep"]
    static let zooKeys = ["port", "mqtt_port", "bind"]
    static let revocationKeys = ["url", "ocsp_url"]
    static let endpointsKeys = ["bind"] + ServingLimits.keys + EndpointSpec.Kind.labKinds.map(\.rawValue)
    static let endpointKeys = ["enabled", "port", "bind", "certificate", "client_auth", "trust", "client_chain", "tls_min", "tls_max",
                               "ciphers", "alpn", "files", "http2", "tls_engine"]
    static let mqttKeys = ["name", "behaviour", "behavior", "identity", "plain_port", "max_packet_size", "max_subscriptions",
                                "persistent_session_expiry", "subscriptions"]
    static let policyKeys = ["allow", "deny", "topics", "identities"]
    static let defaultsKeys = ["key", "validity", "authority_validity", "skew"]
    static let authorityKeys = ["parent", "subject", "key", "validity", "not_before", "not_after", "path_len", "name_constraints"]
    static let certificateKeys = ["issuer", "role", "subject", "names", "key", "validity", "not_before", "not_after"]

    var labName = "lab"
    var defaults = LabDefaults.standard

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
        for (name, node) in try authoritiesNode.mapping(what: "the authorities, each under its own name",
                                                            example: "write each name followed by a colon and its settings indented below it, e.g. \"root: { key: ec-p256 }\"") {
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

        // The object store's authority (ota:) signs no device: certificates without issuer: are not its.
        let storeAuthority = entry("ota").flatMap { try? $0.mapping(what: "") }?.first { $0.key == "object_store" }
            .flatMap { try? $0.value.mapping(what: "") }?.first { $0.key == "authority" }.flatMap { try? $0.value.string(what: "") }
        var certificates: [LeafSpec] = []
        if let certificatesNode = entry("certificates") {
            for (name, node) in try certificatesNode.mapping(what: "the certificates, each under its own name",
                                                                 example: "write each name followed by a colon and its settings indented below it, e.g. \"device-001: { issuer: issuing, role: client }\"") {
                try checkFolderName(name, node)
                if authorities.contains(where: { $0.name == name }) {
                    throw node.keyError(.nameClash, "\"\(name)\" is already the name of an authority",
                                     hint: "give the certificate another name; names are how pkilab show and the ca/ folders find things")
                }
                certificates.append(try readCertificate(name: name, node, authorities: ordered, storeAuthority: storeAuthority))
            }
        }
        var endpoints = try readEndpoints(entry("endpoints"), authorities: ordered, certificates: certificates)
        var ota: OTASpec?
        if let node = entry("ota") {
            let defaultBind = endpoints.first { $0.kind == .https }?.bind ?? "127.0.0.1"
            let (spec, storeCertificate) = try readOTA(node, authorities: ordered, certificates: certificates, defaultBind: defaultBind)
            if let storeCertificate { certificates.append(storeCertificate) }
            // A root that only the object store's certificate chains to issues no client: the endpoints do not trust it.
            let storeRoot = Lab(name: labName, file: "", authorities: ordered, certificates: [], defaults: defaults).ancestry(of: spec.store.authority).last?.name
            let clientRoots = Set(certificates.filter { $0.role != .server }.compactMap { leaf in
                Lab(name: labName, file: "", authorities: ordered, certificates: [], defaults: defaults).ancestry(of: leaf.issuer).last?.name
            })
            if let storeRoot, !clientRoots.contains(storeRoot) {
                endpoints = endpoints.map { endpoint in
                    var endpoint = endpoint
                    if endpoint.trust.count > 1 { endpoint.trust.removeAll { $0 == storeRoot } }
                    return endpoint
                }
            }
            endpoints += spec.store.endpoints(https: endpoints.first { $0.kind == .https })
            try checkStorePorts(endpoints, ota: node)
            ota = spec
        }
        var awsIoT: AWSIoTSpec?
        if let node = entry("aws_iot") {
            let spec = try readAWSIoT(node, certificates: certificates)
            let limits = endpoints.first?.limits ?? ServingLimits()
            let bind = endpoints.first { $0.kind == .mqtt }?.bind ?? endpoints.first?.bind ?? "127.0.0.1"
            let roots = endpoints.first { $0.kind == .mqtt }?.trust ?? ordered.filter(\.isRoot).map(\.name)
            for var listener in awsIoTEndpoints(spec, node: node, certificates: certificates, roots: roots, bind: bind) {
                listener.limits = limits
                if let clash = endpoints.first(where: { $0.name == listener.name }) {
                    throw node.error(.nameClash, "aws_iot: adds the listener \"\(listener.name)\", and an endpoint already has that name (\(clash.portSetting))",
                                     hint: "rename that endpoint (name:), or drop it and let aws_iot: make the AWS listeners")
                }
                if listener.port != 0, let clash = endpoints.first(where: { $0.port == listener.port && $0.bind == listener.bind && $0.kind != .sntp }) {
                    throw node.error(.invalidValue, "\(listener.name) (\(listener.portSetting)) and \(clash.name) both listen on port \(listener.port)",
                                     hint: "give aws_iot.\(listener.portSetting == "aws_iot.port" ? "port" : "alpn_port") another port (0 picks a free one)")
                }
                endpoints.append(listener)
            }
            awsIoT = spec
        }
        let policy = try entry("policy").map { node throws(LabFileError) in try readPolicy(node) }
        let zoo = try entry("zoo").map { node throws(LabFileError) in try readZoo(node) } ?? nil
        // Every certificate below a root names its issuer's CRL, served by the crl endpoint.
        var server = "http://localhost:\(EndpointSpec.Kind.crl.defaultPort)"
        if let crl = endpoints.first(where: { $0.kind == .crl }), crl.port != 0 {
            server = "http://\(DisplayHost.of(crl.bind)):\(crl.port)"
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
        lab.ota = ota
        lab.awsIoT = awsIoT
        return lab
    }

    // MARK: Zoo

    /// `zoo: true`, `zoo: false`, or `zoo: { port: 9400, mqtt_port: 9500, bind: 127.0.0.1 }`.
    func readZoo(_ node: LabNode) throws(LabFileError) -> ZooSpec? {
        if case .scalar = node.node { return try bool(node) ? ZooSpec() : nil }
        var spec = ZooSpec()
        for (key, value) in try node.mapping(allowed: Self.zooKeys, what: "the zoo's settings") {
            switch key {
            case "port": spec.port = try value.int(what: "the first zoo port", range: 0...(65535 - ZooServer.allCases.count))
            case "mqtt_port": spec.mqttPort = try value.int(what: "the first zoo MQTT port", range: 0...(65535 - ZooServer.mqttVariants.count))
            case "bind": spec.bind = try bindAddress(value)
            default: preconditionFailure("mapping(allowed:) let through \(key)")
            }
        }
        return spec
    }

    // MARK: Cross-section checks

    /// Orders authorities so every parent comes before its children, refusing unknown parents, cycles and
    /// path-length violations.
    func order(_ authorities: [AuthoritySpec], parentNodes: [String: LabNode]) throws(LabFileError) -> [AuthoritySpec] {
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
