import Foundation

/// `ota:` — the OTA server, the object store it redirects to, which images whom, and failures on purpose.
extension LabBuilder {
    static let otaKeys = ["images", "url_lifetime", "redirect", "fault", "targets", "credentials", "object_store"]
    static let objectStoreKeys = ["port", "untrusted_port", "bind", "authority", "certificate", "names", "host", "bucket", "region"]
    static let otaTargetKeys = ["allow", "deny", "identities"]
    static let otaCredentialKeys = ["access_key_id", "secret_access_key_env"]

    /// Reads `ota:`; returns the spec and, unless `object_store.certificate` names a lab certificate, the store's
    /// certificate to issue.
    func readOTA(_ node: LabNode, authorities: [AuthoritySpec], certificates: [LeafSpec], defaultBind: String) throws(LabFileError)
        -> (spec: OTASpec, storeCertificate: LeafSpec?) {
        let entries = try node.mapping(allowed: Self.otaKeys, what: "the OTA settings")
        func entry(_ key: String) -> LabNode? { entries.first { $0.key == key }?.value }
        guard let imagesNode = entry("images") else {
            throw node.error(.missingKey, "the ota: section does not say where the images are",
                             hint: "add images: firmware (a folder beside \(reader.displayName), with files such as app-v1.2.0.bin)")
        }
        let images = try imagesNode.string(what: "the folder of the firmware images")
        guard let storeNode = entry("object_store") else {
            throw node.error(.missingKey, "the ota: section has no object_store",
                             hint: "add object_store: { authority: store-root }, naming a root of its own (as a public cloud's store has)")
        }
        let store = try readObjectStore(storeNode, authorities: authorities, certificates: certificates, defaultBind: defaultBind)
        var spec = OTASpec(images: images, store: store.spec)
        spec.imagesLocation = imagesNode.location
        for (key, value) in entries {
            switch key {
            case "url_lifetime":
                let lifetime = try duration(value)
                guard (1...604_800).contains(lifetime.seconds) else {
                    throw value.error(.invalidValue, "a pre-signed URL lives 1 second to 7 days (604800 s), not \(lifetime.seconds) s",
                                      hint: "S3 refuses X-Amz-Expires above 604800; devices usually get 60s to 1h")
                }
                spec.urlLifetime = Int(lifetime.seconds)
            case "redirect":
                let status = try value.int(what: "the redirect status", range: 300...399)
                guard [301, 302, 303, 307].contains(status) else {
                    throw value.error(.invalidValue, "\(status) is not a redirect the OTA clients follow",
                                      hint: "use 302 (the default), 301, 303 or 307; a 308 is the fault redirect-308")
                }
                spec.redirectStatus = status
            case "fault": spec.fault = try choice(value, OTAFault.self)
            case "targets": spec.targets = try readOTATargets(value)
            case "credentials":
                for (name, item) in try value.mapping(allowed: Self.otaCredentialKeys, what: "AWS-compatible credentials") {
                    if name == "access_key_id" {
                        spec.userAccessKeyID = try item.string(what: "an access key id")
                    } else {
                        let variable = try item.string(what: "the name of the environment variable holding the secret access key")
                        guard !variable.isEmpty, variable.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                            throw item.error(.invalidValue, "\"\(variable)\" is not an environment variable name",
                                             hint: "name the variable, e.g. secret_access_key_env: AWS_SECRET_ACCESS_KEY; never write the secret into lab.yaml")
                        }
                        spec.userSecretEnvironment = variable
                    }
                }
                if (spec.userAccessKeyID == nil) != (spec.userSecretEnvironment == nil) {
                    throw value.error(.missingKey, "credentials need both access_key_id and secret_access_key_env",
                                      hint: "e.g. credentials: { access_key_id: AKIA…, secret_access_key_env: AWS_SECRET_ACCESS_KEY }")
                }
            default: break
            }
        }
        return (spec, store.certificate)
    }

    private func readObjectStore(_ node: LabNode, authorities: [AuthoritySpec], certificates: [LeafSpec], defaultBind: String) throws(LabFileError)
        -> (spec: ObjectStoreSpec, certificate: LeafSpec?) {
        let entries = try node.mapping(allowed: Self.objectStoreKeys, what: "the object store's settings")
        func entry(_ key: String) -> LabNode? { entries.first { $0.key == key }?.value }
        let roots = authorities.filter(\.isRoot)
        let authorityNode = entry("authority")
        let authorityName: String
        if let authorityNode {
            authorityName = try authorityNode.string(what: "the authority that issues the object store's certificate")
            guard authorities.contains(where: { $0.name == authorityName }) else {
                let suggestion = LabNode.nearest(to: authorityName, in: authorities.map(\.name))
                throw authorityNode.error(.unknownIssuer, "there is no authority named \"\(authorityName)\"" + (suggestion.map { ". Did you mean \"\($0)\"?" } ?? ""),
                                          hint: "declare a root of its own under authorities:, e.g. store-root: { subject: { CN: Lab Public Root } }")
            }
        } else if let storeRoot = roots.first(where: { $0.name == "store-root" }) {
            authorityName = storeRoot.name
        } else {
            throw node.error(.missingKey, "the object store does not say which authority issues its certificate",
                             hint: "add authority: NAME, a root of its own (as a public cloud's store has), declared under authorities:")
        }
        var spec = ObjectStoreSpec(authority: authorityName)
        spec.bind = defaultBind
        var namesNode: LabNode?
        var certificateNode: LabNode?
        for (key, value) in entries {
            switch key {
            case "port": spec.port = try value.int(what: "a port", range: 0...65535)
            case "untrusted_port": spec.untrustedPort = try value.int(what: "a port", range: 0...65535)
            case "bind": spec.bind = try bindAddress(value)
            case "host": spec.urlHost = try value.string(what: "the host name in pre-signed URLs")
            case "bucket":
                let bucket = try value.string(what: "a bucket name")
                guard (3...63).contains(bucket.count), bucket.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" || $0 == "." }),
                      bucket.first?.isLetter == true || bucket.first?.isNumber == true else {
                    throw value.error(.invalidValue, "\"\(bucket)\" is not an S3 bucket name",
                                      hint: "3 to 63 lower-case letters, digits, dots and hyphens, starting with a letter or digit")
                }
                spec.bucket = bucket
            case "region": spec.region = try value.string(what: "a region, e.g. us-east-1")
            case "names":
                namesNode = value
                spec.names = try value.list(what: "the names of the object store's certificate").map { item throws(LabFileError) in
                    try item.string(what: "a DNS name or IP address")
                }
            case "certificate": certificateNode = value
            default: break
            }
        }
        if let certificateNode {
            let name = try certificateNode.string(what: "the lab certificate the object store presents")
            guard let leaf = certificates.first(where: { $0.name == name }) else {
                throw certificateNode.error(.unknownIssuer, "there is no certificate named \"\(name)\"",
                                            hint: "leave certificate: out and pkilab issues \"\(ObjectStoreSpec.certificateName)\" under \(authorityName)")
            }
            guard leaf.role.servesTLS else {
                throw certificateNode.error(.invalidRole, "\"\(name)\" is a client certificate; the object store presents a server certificate",
                                            hint: "give it role: server, or leave certificate: out")
            }
            spec.certificate = name
            spec.authority = leaf.issuer
            return (spec, nil)
        }
        if let clash = certificates.first(where: { $0.name == ObjectStoreSpec.certificateName }) {
            throw (authorityNode ?? node).error(.nameClash, "a certificate is already named \"\(clash.name)\", the name pkilab gives the object store's",
                                                hint: "add certificate: \(clash.name) to present it, or rename yours")
        }
        // The names the user gave, then the ones a URL on this machine uses.
        let ancestry = Lab(name: labName, file: "", authorities: authorities, certificates: [], defaults: defaults).ancestry(of: authorityName)
        var names: [CertificateName] = []
        var notices: [String] = []
        for raw in spec.names + ["localhost", "127.0.0.1", "::1"] + reader.autoNames() {
            switch CertificateName.parse(raw) {
            case .failure(let failure):
                throw (namesNode ?? node).error(.invalidName, failure.message, hint: failure.hint)
            case .success(let name):
                guard ancestry.allSatisfy({ $0.nameConstraints?.permits(name) ?? true }) else {
                    notices.append("left out \(name): the name constraints of \(authorityName)'s chain do not permit it")
                    continue
                }
                if !names.contains(name) { names.append(name) }
            }
        }
        names = addDNSCopies(names, ancestry: ancestry, notices: &notices)
        let leaf = LeafSpec(name: ObjectStoreSpec.certificateName, issuer: authorityName, role: .server,
                            subject: SubjectSpec(fields: ["CN": spec.names.first { !$0.hasPrefix("*") } ?? "localhost", "O": "pkilab object store"]),
                            names: names, key: .ecP256,
                            validity: ValiditySpec(duration: defaults.leafValidity, skew: defaults.skew),
                            notices: notices, location: node.keyLocation ?? node.location)
        return (spec, leaf)
    }

    /// The object store's two listeners may share an address and port with no other listener, nor with each other.
    func checkStorePorts(_ endpoints: [EndpointSpec], ota node: LabNode) throws(LabFileError) {
        let storeNode = (try? node.mapping(what: "the OTA settings"))?.first { $0.key == "object_store" }?.value
        let storeEntries = storeNode.flatMap { try? $0.mapping(what: "the object store's settings") } ?? []
        var seen: [String: String] = [:]
        for endpoint in endpoints where endpoint.port != 0 {
            let socket = DisplayHost.socket(endpoint.bind, port: endpoint.port)
            if let other = seen[socket] {
                let key = endpoint.name == "store" ? "port" : "untrusted_port"
                let written = storeEntries.first { $0.key == key }?.value ?? storeNode ?? node
                throw written.error(.invalidValue, "the object store's \(endpoint.name == "store" ? "listener" : "untrusted listener") and \(other) would both listen on \(socket)",
                                    hint: "give ota.object_store another \(key) (0 picks a free one)")
            }
            seen[socket] = endpoint.name
        }
    }

    private func readOTATargets(_ node: LabNode) throws(LabFileError) -> [OTATarget] {
        var targets: [OTATarget] = []
        for (index, item) in try node.list(what: "OTA target rules").enumerated() {
            let entries = try item.mapping(allowed: Self.otaTargetKeys, what: "a target rule")
            let effects = entries.filter { $0.key == "allow" || $0.key == "deny" }
            guard effects.count == 1, let (effectKey, patternsNode) = effects.first else {
                throw item.error(.invalidValue, "a target rule says either allow: or deny: (once), followed by image patterns",
                                 hint: "e.g. - allow: [\"app-*\"] or - deny: [\"app-v2.*\"]\n  identities: [device-002]")
            }
            func strings(_ node: LabNode, what: String) throws(LabFileError) -> [String] {
                if case .scalar = node.node { return [try node.string(what: what)] }
                return try node.list(what: what).map { entry throws(LabFileError) in try entry.string(what: what) }
            }
            let patterns = try strings(patternsNode, what: "an image file-name pattern (* and ?)")
            let identities = try entries.first { $0.key == "identities" }.map { entry throws(LabFileError) in
                try strings(entry.value, what: "an identity (a certificate or fleet member name)")
            } ?? []
            targets.append(OTATarget(effect: effectKey == "allow" ? .allow : .deny, images: patterns, identities: identities,
                                     keyPath: "ota.targets[\(index)]"))
        }
        return targets
    }
}
