/// Looks up policy variables (`${…}` in resources and condition values) and condition keys in a request context.
///
/// Names compare ignoring case, except a thing attribute's key (`Attributes[key]`). A variable AWS cannot
/// substitute (value missing, multi-valued, holding `*`, `$`, `+`, `?` or `#`, or over 1024 characters) stays as its
/// literal `${…}` text; ``substitution(for:)`` says why.
struct PolicyVariableResolver {
    /// A key's value in the request, or why there is none.
    enum Lookup {
        case values([String])
        case absent(reason: String)
    }

    let context: IoTRequestContext

    /// The characters AWS refuses to substitute, since they would act as wildcards or variable syntax.
    static let refusedCharacters: Set<Character> = ["*", "$", "+", "?", "#"]

    /// The text to substitute for variable `name` (without `${` `}`), or the reason it stays unreplaced.
    func substitution(for name: String) -> Result<String, UnresolvedReason> {
        switch lookup(name, forCondition: false) {
        case .absent(let reason): return .failure(UnresolvedReason(text: reason))
        case .values(let values):
            guard values.count == 1 else {
                return .failure(UnresolvedReason(text: values.isEmpty ? "it has no value" : "it has \(values.count) values; a resource takes one"))
            }
            let value = values[0]
            if value.isEmpty { return .failure(UnresolvedReason(text: "its value is empty")) }
            if let bad = value.first(where: { Self.refusedCharacters.contains($0) }) {
                return .failure(UnresolvedReason(text: "its value \"\(value)\" holds \"\(bad)\", which AWS never substitutes"))
            }
            if value.count > 1024 { return .failure(UnresolvedReason(text: "its value is \(value.count) characters, over AWS's 1024")) }
            return .success(value)
        }
    }

    /// Why a variable was not substituted, a clause such as "the client is not attached to a thing".
    struct UnresolvedReason: Error {
        var text: String
    }

    /// The value(s) of condition key or variable `name`. Multi-valued keys (`….List`, `iot:ConnectAttributes`,
    /// `iot:Certificate.AvailableKeys`, alternative names) give all their values.
    func lookup(_ name: String, forCondition: Bool = true) -> Lookup {
        let lowered = name.lowercased()
        switch lowered {
        case "iot:clientid":
            return context.clientID.isEmpty ? .absent(reason: "the client ID is empty") : .values([context.clientID])
        case "aws:sourceip":
            return context.sourceIP.map { .values([$0]) } ?? .absent(reason: "the source IP address is not known")
        case "iot:connectattributes":
            return context.connectAttributes.isEmpty ? .absent(reason: "the CONNECT has no connect attributes") : .values(context.connectAttributes.sorted())
        case "iot:certificateid":
            return context.certificate.map { .values([$0.id]) } ?? .absent(reason: "the connection has no client certificate")
        default: break
        }
        if lowered.hasPrefix("iot:connection.thing.") { return thing(String(name.dropFirst("iot:Connection.Thing.".count))) }
        if lowered.hasPrefix("iot:certificate.") { return certificate(String(name.dropFirst("iot:Certificate.".count))) }
        return .absent(reason: "pkilab does not know the key \(name)")
    }

    private func thing(_ rest: String) -> Lookup {
        guard let thing = context.thing else {
            return .absent(reason: "the client is not attached to a thing, as no thing is named \"\(context.clientID)\"")
        }
        if rest.lowercased() == "isattached" { return .values([thing.isAttached ? "true" : "false"]) }
        guard thing.isAttached else {
            return .absent(reason: "the client is not attached to a thing, as its certificate is not attached to thing \(thing.name)")
        }
        switch rest.lowercased() {
        case "thingname": return .values([thing.name])
        case "thingtypename":
            return thing.typeName.map { .values([$0]) } ?? .absent(reason: "thing \(thing.name) has no thing type")
        default:
            guard rest.lowercased().hasPrefix("attributes["), rest.hasSuffix("]") else {
                return .absent(reason: "pkilab does not know the key iot:Connection.Thing.\(rest)")
            }
            let key = String(rest.dropFirst("attributes[".count).dropLast())
            return thing.attributes[key].map { .values([$0]) } ?? .absent(reason: "thing \(thing.name) has no attribute \"\(key)\"")
        }
    }

    private func certificate(_ rest: String) -> Lookup {
        guard let certificate = context.certificate else { return .absent(reason: "the connection has no client certificate") }
        var parts = rest.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let family = parts.first?.lowercased() else { return .absent(reason: "pkilab does not know this certificate key") }
        parts.removeFirst()
        switch family {
        case "serialnumber" where parts.isEmpty:
            return certificate.serialNumber.map { .values([$0]) } ?? .absent(reason: "the certificate's serial number is not known")
        case "availablekeys" where parts.isEmpty:
            return .values(availableKeys(certificate))
        case "subject", "issuer":
            let names = family == "subject" ? certificate.subject : certificate.issuer
            let label = family == "subject" ? "subject" : "issuer"
            guard let attribute = parts.first else { return .absent(reason: "the key names no \(label) attribute") }
            let canonical = IoTCertificateContext.canonicalAttributeName(attribute)
            let values = names.filter { IoTCertificateContext.canonicalAttributeName($0.attribute).lowercased() == canonical.lowercased() }.map(\.value)
            return indexed(values, parts.dropFirst(), what: "the certificate's \(label) \(canonical)")
        case "subjectalternativename", "issueralternativename":
            let names = family == "subjectalternativename" ? certificate.subjectAlternativeNames : certificate.issuerAlternativeNames
            guard let kind = parts.first else { return .absent(reason: "the key names no alternative-name kind") }
            let values = names.byVariableName.first { $0.0.lowercased() == kind.lowercased() }?.1 ?? []
            return indexed(values, parts.dropFirst(), what: "the certificate's \(family == "subjectalternativename" ? "subject" : "issuer") alternative name \(kind)")
        default:
            return .absent(reason: "pkilab does not know the key iot:Certificate.\(rest)")
        }
    }

    /// The first value, the value at `.N` (0-based: `.1` is the second), or all values for `.List`.
    private func indexed(_ values: [String], _ suffix: ArraySlice<String>, what: String) -> Lookup {
        guard !values.isEmpty else { return .absent(reason: "\(what) is not in the certificate") }
        guard let selector = suffix.first else { return .values([values[0]]) }
        guard suffix.count == 1 else { return .absent(reason: "pkilab does not understand the suffix .\(suffix.joined(separator: "."))") }
        if selector.lowercased() == "list" { return .values(values) }
        guard let index = Int(selector), index >= 0 else { return .absent(reason: "\".\(selector)\" is neither an index nor .List") }
        guard index < values.count else { return .absent(reason: "\(what) has \(values.count) value(s), so index \(index) is missing") }
        return .values([values[index]])
    }

    /// `iot:Certificate.AvailableKeys`: the certificate keys that have a value in this certificate.
    private func availableKeys(_ certificate: IoTCertificateContext) -> [String] {
        var keys: [String] = []
        for (label, names) in [("Subject", certificate.subject), ("Issuer", certificate.issuer)] {
            for attribute in names {
                let key = "iot:Certificate.\(label).\(IoTCertificateContext.canonicalAttributeName(attribute.attribute))"
                if !keys.contains(key) { keys.append(key) }
            }
        }
        for (kind, _) in certificate.subjectAlternativeNames.byVariableName { keys.append("iot:Certificate.SubjectAlternativeName.\(kind)") }
        for (kind, _) in certificate.issuerAlternativeNames.byVariableName { keys.append("iot:Certificate.IssuerAlternativeName.\(kind)") }
        if certificate.serialNumber != nil { keys.append("iot:Certificate.SerialNumber") }
        return keys
    }
}
