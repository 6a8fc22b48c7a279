import Foundation
import Yams

/// `defaults:`, `authorities:` and `certificates:` — what is issued.
extension LabBuilder {
    // MARK: Sections

    mutating func readDefaults(_ node: LabNode) throws(LabFileError) {
        for (key, value) in try node.mapping(allowed: Self.defaultsKeys, what: "the lab's defaults") {
            switch key {
            case "key": defaults.key = try keyAlgorithm(value)
            case "validity": defaults.leafValidity = try duration(value)
            case "authority_validity": defaults.authorityValidity = try duration(value)
            case "skew": defaults.skew = try duration(value)
            default: preconditionFailure("mapping(allowed:) let through \(key)")
            }
        }
    }

    func readAuthority(name: String, _ node: LabNode) throws(LabFileError) -> (AuthoritySpec, LabNode?) {
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
            case "validity", "not_before", "not_after": break  // readValidity, below
            default: preconditionFailure("mapping(allowed:) let through \(entryKey)")
            }
        }
        let validity = try readValidity(entries, default: defaults.authorityValidity, owner: node)
        return (AuthoritySpec(name: name, parent: parent, subject: subject, key: key, validity: validity,
                              pathLength: pathLength, nameConstraints: constraints, location: node.keyLocation ?? node.location), parentNode)
    }

    func readCertificate(name: String, _ node: LabNode, authorities: [AuthoritySpec], storeAuthority: String? = nil) throws(LabFileError) -> LeafSpec {
        let entries = try node.mapping(allowed: Self.certificateKeys, what: "a certificate")
        func entry(_ key: String) -> LabNode? { entries.first { $0.key == key }?.value }

        // The issuer: named, or the only authority that signs no other authority.
        let issuer: String
        let bottom = Lab.bottomAuthorities(authorities, storeAuthority: storeAuthority)
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
}
