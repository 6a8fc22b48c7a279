import Foundation
import Yams

/// The value parsers every section uses: names, subjects, dates, durations, keys, choices.
extension LabBuilder {
    func bindAddress(_ node: LabNode) throws(LabFileError) -> String {
        let text = try node.string(what: "an address to listen on")
        guard CertificateName.parseIP(text) != nil || text == "localhost" else {
            throw node.error(.invalidValue, "\"\(text)\" is not an address to listen on",
                             hint: "use 127.0.0.1 (this machine only, the default), 0.0.0.0 (every interface) or one of this machine's addresses")
        }
        return text
    }

    func bool(_ node: LabNode) throws(LabFileError) -> Bool {
        let text = try node.string(what: "true or false").lowercased()
        switch text {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw node.error(.invalidValue, "\"\(text)\" is not true or false", hint: "write true or false")
        }
    }

    func choice<T: RawRepresentable & CaseIterable>(_ node: LabNode, _ type: T.Type) throws(LabFileError) -> T where T.RawValue == String {
        let text = try node.string(what: "one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        guard let value = T(rawValue: text.lowercased()) else {
            throw node.error(.invalidValue, "\"\(text)\" is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))",
                             hint: "use one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }


    // MARK: Values

    func readNames(_ node: LabNode, ancestry: [AuthoritySpec], notices: inout [String]) throws(LabFileError) -> [CertificateName] {
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
    func addDNSCopies(_ names: [CertificateName], ancestry: [AuthoritySpec], notices: inout [String]) -> [CertificateName] {
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

    func readSubject(_ node: LabNode) throws(LabFileError) -> SubjectSpec {
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

    func readNameConstraints(_ node: LabNode) throws(LabFileError) -> NameConstraintsSpec {
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

    func subtree(_ item: LabNode) throws(LabFileError) -> NameConstraintsSpec.Subtree {
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

    func readValidity(_ entries: [(key: String, value: LabNode)], default fallback: LabDuration, owner: LabNode) throws(LabFileError) -> ValiditySpec {
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

    func duration(_ node: LabNode) throws(LabFileError) -> LabDuration {
        let text = try node.string(what: "a duration")
        guard let value = LabDuration(parsing: text) else {
            throw node.error(.invalidDuration, "\"\(text)\" is not a duration",
                             hint: "write a number and a unit: 90d, 2y, 12h, 30m, 45s, 6w (or a sum like 1y30d)")
        }
        return value
    }

    func date(_ node: LabNode) throws(LabFileError) -> Date {
        let text = try node.string(what: "a date")
        guard let value = LabDate.parse(text) else {
            throw node.error(.invalidDate, "\"\(text)\" is not a date", hint: "write 2030-01-31 or 2030-01-31T12:00:00Z (UTC)")
        }
        return value
    }

    func keyAlgorithm(_ node: LabNode) throws(LabFileError) -> KeyAlgorithm {
        let text = try node.string(what: "a key type")
        guard let key = KeyAlgorithm(rawValue: text.lowercased()) else {
            let suggestion = LabNode.nearest(to: text, in: KeyAlgorithm.allCases.map(\.rawValue))
            throw node.error(.invalidKeyType, "\"\(text)\" is not a key type pkilab makes" + (suggestion.map { ". Did you mean \"\($0)\"?" } ?? ""),
                             hint: "use one of \(KeyAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return key
    }

    func checkFolderName(_ name: String, _ node: LabNode) throws(LabFileError) {
        let ok = !name.isEmpty && name.count <= 64 && !name.hasPrefix(".")
            && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E }
        guard ok else {
            throw node.keyError(.invalidName, "\"\(name)\" cannot be used as a name",
                             hint: "names become folder names in ca/: use letters, digits, \".\", \"-\" and \"_\" (up to 64, not starting with \".\")")
        }
    }
}
