import AWSIoT
import Foundation

/// `aws_iot:` — the AWS IoT Core twin: region and account, policy documents (files, unchanged from what the user
/// uploads), registered certificates with status and policies, things with attributes, and its two listeners.
extension LabBuilder {
    static let awsIoTKeys = ["region", "account", "port", "alpn_port", "policies", "certificates", "things"]
    static let awsIoTCertificateKeys = ["status", "policies"]
    static let awsIoTThingKeys = ["certificates", "type", "attributes"]

    func readAWSIoT(_ node: LabNode, certificates: [LeafSpec]) throws(LabFileError) -> AWSIoTSpec {
        var spec = AWSIoTSpec()
        let entries = try node.mapping(allowed: Self.awsIoTKeys, what: "the AWS IoT twin's settings")
        func entry(_ key: String) -> LabNode? { entries.first { $0.key == key }?.value }
        if let value = entry("region") {
            let region = try value.string(what: "an AWS region")
            guard region.range(of: #"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$"#, options: .regularExpression) != nil else {
                throw value.error(.invalidValue, "\"\(region)\" is not an AWS region name",
                                  hint: "write it as in your endpoint and ARNs, e.g. us-east-1 or eu-central-1")
            }
            spec.region = region
        }
        if let value = entry("account") {
            let account = try value.string(what: "an AWS account id")
            guard account.count == 12, account.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw value.error(.invalidValue, "\"\(account)\" is not an AWS account id (12 digits)",
                                  hint: "quote it so YAML keeps leading zeros: account: \"123456789012\"")
            }
            spec.account = account
        }
        if let value = entry("port") { spec.port = try value.int(what: "a port (0 picks a free one)", range: 0...65_535) }
        if let value = entry("alpn_port") {
            if case .scalar(let scalar) = value.node, ["off", "false", "no"].contains(scalar.string) {
                spec.alpnPort = nil
            } else {
                spec.alpnPort = try value.int(what: "a port (0 picks a free one, off turns it off)", range: 0...65_535)
            }
        }
        if let value = entry("policies") { spec.policies = try readAWSIoTPolicies(value) }
        if let value = entry("certificates") {
            spec.certificates = try readAWSIoTCertificates(value, certificates: certificates, policies: spec.policies.map(\.name))
        }
        if let value = entry("things") { spec.things = try readAWSIoTThings(value, registered: spec.certificates.map(\.identity)) }
        return spec
    }

    /// `policies: { NAME: FILE }`: each file is read and checked as AWS IoT's CreatePolicy would.
    private func readAWSIoTPolicies(_ node: LabNode) throws(LabFileError) -> [IoTPolicyDocument] {
        var documents: [IoTPolicyDocument] = []
        for (name, value) in try node.mapping(what: "the policies, each a name and the JSON file that holds it",
                                              example: "e.g. policies: { DevicePolicy: aws/device-policy.json }") {
            guard name.range(of: #"^[\w+=,.@-]{1,128}$"#, options: .regularExpression) != nil else {
                throw value.keyError(.invalidName, "\"\(name)\" is not a policy name AWS IoT accepts",
                                     hint: "use 1–128 letters, digits and _+=,.@-")
            }
            let path = try value.string(what: "the policy document's file (JSON)")
            let full = path.hasPrefix("/") ? path : (reader.folder as NSString).appendingPathComponent(path)
            // Messages name the file as the user would reach it from where pkilab runs (beside a --lab elsewhere).
            let labFolder = (reader.displayName as NSString).deletingLastPathComponent
            let shown = path.hasPrefix("/") || labFolder.isEmpty ? path : (labFolder as NSString).appendingPathComponent(path)
            guard let data = FileManager.default.contents(atPath: full) else {
                let exists = FileManager.default.fileExists(atPath: full)
                throw value.error(.fileNotFound, exists ? "cannot read the policy file \"\(path)\"" : "there is no policy file \"\(shown)\"",
                                  hint: exists ? "check its permissions" : "write the document you will upload to AWS IoT there (paths are relative to \(reader.displayName))")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw value.error(.invalidValue, "the policy file \"\(path)\" is not UTF-8 text", hint: "save it as UTF-8 JSON")
            }
            do throws(IoTPolicyError) {
                documents.append(try IoTPolicyDocument(parsing: text, name: name, file: shown))
            } catch {
                throw LabFileError(.syntax, at: SourceLocation(file: error.file, line: error.line, column: error.column, keyPath: ""),
                                   error.message, hint: error.hint ?? "AWS IoT would refuse this document too (CreatePolicy: MalformedPolicyException)")
            }
        }
        return documents
    }

    /// `certificates: { NAME: { status: ACTIVE, policies: [P] } }`: lab client certificates registered with AWS IoT.
    private func readAWSIoTCertificates(_ node: LabNode, certificates: [LeafSpec], policies: [String]) throws(LabFileError) -> [AWSIoTCertificateSpec] {
        var records: [AWSIoTCertificateSpec] = []
        for (name, value) in try node.mapping(what: "the registered certificates, each under its lab name",
                                              example: "e.g. certificates: { device-001: { status: ACTIVE, policies: [DevicePolicy] } }") {
            guard let leaf = certificates.first(where: { $0.name == name }) else {
                let suggestion = LabNode.nearest(to: name, in: certificates.map(\.name))
                throw value.keyError(.unknownIssuer, "there is no lab certificate named \"\(name)\"" + (suggestion.map { ". Did you mean \"\($0)\"?" } ?? ""),
                                     hint: "register certificates from the certificates: section (role client or both)")
            }
            guard leaf.role != .server else {
                throw value.keyError(.invalidRole, "\"\(name)\" is a server certificate; a device connects with a client certificate",
                                     hint: "register a certificate with role: client (or both)")
            }
            var record = AWSIoTCertificateSpec(identity: name)
            for (key, item) in try value.mapping(allowed: Self.awsIoTCertificateKeys, what: "a registered certificate") {
                if key == "status" {
                    let text = try item.string(what: "a certificate status")
                    guard let status = IoTCertificateStatus(rawValue: text.uppercased()) else {
                        let suggestion = LabNode.nearest(to: text, in: IoTCertificateStatus.allCases.map(\.rawValue))
                        throw item.error(.invalidValue, "\"\(text)\" is not a certificate status" + (suggestion.map { ". Did you mean \($0)?" } ?? ""),
                                         hint: "one of " + IoTCertificateStatus.allCases.map(\.rawValue).joined(separator: ", "))
                    }
                    record.status = status
                } else {
                    for policyNode in try names(item, what: "policy names") {
                        let policy = try policyNode.string(what: "a policy name")
                        guard policies.contains(policy) else {
                            let suggestion = LabNode.nearest(to: policy, in: policies)
                            throw policyNode.error(.invalidValue, "there is no policy named \"\(policy)\" in aws_iot.policies" + (suggestion.map { ". Did you mean \"\($0)\"?" } ?? ""),
                                                   hint: "add it under aws_iot.policies with its JSON file")
                        }
                        record.policies.append(policy)
                    }
                }
            }
            records.append(record)
        }
        return records
    }

    /// `things: { NAME: { certificates: [C], type: T, attributes: { k: v } } }`.
    private func readAWSIoTThings(_ node: LabNode, registered: [String]) throws(LabFileError) -> [AWSIoTThingSpec] {
        var things: [AWSIoTThingSpec] = []
        for (name, value) in try node.mapping(what: "the things, each under its name",
                                              example: "e.g. things: { device-001: { certificates: [device-001], attributes: { room: lab } } }") {
            if let problem = ThingName.problem(with: name) {
                throw value.keyError(.invalidName, "the thing name \"\(name)\" \(problem)", hint: "AWS IoT's CreateThing accepts [a-zA-Z0-9:_-]{1,128}")
            }
            var thing = AWSIoTThingSpec(name: name, certificates: [])
            for (key, item) in try value.mapping(allowed: Self.awsIoTThingKeys, what: "a thing") {
                switch key {
                case "certificates":
                    for certificateNode in try names(item, what: "registered certificate names") {
                        let certificate = try certificateNode.string(what: "a registered certificate")
                        guard registered.contains(certificate) else {
                            throw certificateNode.error(.invalidValue, "\"\(certificate)\" is not registered under aws_iot.certificates",
                                                        hint: "AWS attaches registered certificates to things; add \(certificate): { status: ACTIVE } there first")
                        }
                        thing.certificates.append(certificate)
                    }
                case "type":
                    let type = try item.string(what: "a thing type name")
                    guard type.range(of: #"^[a-zA-Z0-9:_-]{1,128}$"#, options: .regularExpression) != nil else {
                        throw item.error(.invalidValue, "\"\(type)\" is not a thing type name", hint: "use 1–128 of a-z A-Z 0-9 : _ -")
                    }
                    thing.typeName = type
                default:
                    let attributes = try item.mapping(what: "the thing's attributes (name: value)")
                    guard attributes.count <= 50 else {
                        throw item.error(.invalidValue, "a thing has at most 50 attributes, this one \(attributes.count)", hint: "AWS IoT's quota")
                    }
                    for (attribute, valueNode) in attributes {
                        let text = try valueNode.string(what: "an attribute value")
                        let allowed = #"^[a-zA-Z0-9_.,@/:#=\[\]-]*$"#
                        guard attribute.count <= 128, attribute.range(of: #"^[a-zA-Z0-9_.,@/:#-]+$"#, options: .regularExpression) != nil else {
                            throw valueNode.keyError(.invalidName, "\"\(attribute)\" is not an attribute name AWS IoT accepts", hint: "use 1–128 of a-z A-Z 0-9 _ . , @ / : # -")
                        }
                        guard text.count <= 800, text.range(of: allowed, options: .regularExpression) != nil else {
                            throw valueNode.error(.invalidValue, "\"\(text)\" is not an attribute value AWS IoT accepts",
                                                  hint: "use up to 800 of a-z A-Z 0-9 _ . , @ / : # = [ ] - (no spaces)")
                        }
                        thing.attributes[attribute] = text
                    }
                }
            }
            things.append(thing)
        }
        return things
    }

    /// A list, or one value written alone.
    private func names(_ node: LabNode, what: String) throws(LabFileError) -> [LabNode] {
        if case .scalar = node.node { return [node] }
        return try node.list(what: what)
    }

    /// The twin's listeners: MQTT with the aws behaviour on `port`, and the ALPN-dispatching one on `alpn_port`.
    func awsIoTEndpoints(_ spec: AWSIoTSpec, node: LabNode, certificates: [LeafSpec], roots: [String], bind: String) -> [EndpointSpec] {
        guard let server = certificates.first(where: \.role.servesTLS) else { return [] }
        var listeners: [EndpointSpec] = []
        var mqtt = EndpointSpec(kind: .mqtt, name: AWSIoTSpec.listenerName, bind: bind, port: spec.port, certificate: server.name, trust: roots,
                                mqtt: MQTTListenerSpec(behaviour: .aws))
        mqtt.portSetting = "aws_iot.port"
        listeners.append(mqtt)
        if let alpnPort = spec.alpnPort {
            var alpn = EndpointSpec(kind: .mqtt, name: AWSIoTSpec.alpnListenerName, bind: bind, port: alpnPort, certificate: server.name,
                                    trust: roots, alpn: AWSIoTSpec.alpnProtocols, mqtt: MQTTListenerSpec(behaviour: .aws))
            alpn.portSetting = "aws_iot.alpn_port"
            listeners.append(alpn)
        }
        return listeners
    }
}
