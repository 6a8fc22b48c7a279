/// Finds what AWS accepts in a valid policy but almost never means, at the offending token: MQTT `+`/`#` in an ARN
/// (literal there), a `topic/` ARN on `iot:Subscribe` or a `topicfilter/` ARN on publish-side actions, a policy
/// variable or condition key AWS does not define (it stays unreplaced, or is absent), and variables in a policy whose
/// `Version` does not substitute them.
struct PolicyDocumentLinter {
    let file: String

    /// Warnings for a document the parser accepted (so its shape is known to be valid).
    func warnings(_ root: IoTJSONNode, version: String?) -> [IoTPolicyError] {
        guard case .object(let members) = root.kind, let statementValue = members.first(where: { $0.key == "Statement" })?.value else { return [] }
        let elements: [IoTJSONNode]
        if case .array(let array) = statementValue.kind { elements = array } else { elements = [statementValue] }
        var warnings: [IoTPolicyError] = []
        for (offset, element) in elements.enumerated() {
            guard case .object(let statement) = element.kind else { continue }
            let place = "statement \(offset + 1)"
            let actionPatterns = strings(statement.first { $0.key == "Action" }?.value).map(\.0)
            let actions = IoTAction.allCases.filter { action in
                actionPatterns.contains { PolicyWildcardPattern($0, caseInsensitive: true).matches(action.rawValue) }
            }
            for (resource, value) in strings(statement.first { $0.key == "Resource" || $0.key == "NotResource" }?.value) {
                warnings += resourceWarnings(resource, at: value, actions: actions, version: version, place: place)
            }
            if case .object(let operators)? = statement.first(where: { $0.key == "Condition" })?.value.kind {
                for op in operators {
                    guard case .object(let keys) = op.value.kind else { continue }
                    for key in keys where !Self.isKnownKey(key.key) {
                        warnings.append(IoTPolicyError(
                            file: file, line: key.line, column: key.column,
                            message: "condition key \"\(key.key)\" in \(place) is not one AWS IoT sets; it is always absent",
                            hint: PolicySuggestion.nearest(to: key.key, in: Self.keyExamples).map { "did you mean \"\($0)\"?" }))
                    }
                }
            }
        }
        return warnings
    }

    private func resourceWarnings(
        _ resource: String, at value: IoTJSONNode, actions: [IoTAction], version: String?, place: String
    ) -> [IoTPolicyError] {
        var warnings: [IoTPolicyError] = []
        func warn(_ message: String, _ hint: String?) {
            warnings.append(IoTPolicyError(file: file, line: value.line, column: value.column, message: message, hint: hint))
        }
        let parts = resource.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        let name = parts.count == 6 ? String(parts[5]) : ""
        let type = name.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        if (type == "topic" || type == "topicfilter"), name.contains("+") || name.contains("#") {
            warn("\"\(name)\" in \(place) holds + or #, which are literal in policy ARNs: it allows only a \(type) spelled exactly so",
                 "use * for any characters (it also crosses /) and ? for one")
        }
        if type == "topic", actions.contains(.subscribe), !actions.contains(where: { $0.resourceType == "topic" }) {
            warn("\(place) allows iot:Subscribe on a topic/ ARN, which never matches: Subscribe is checked against topicfilter/", "write topicfilter/\(name.dropFirst(6))")
        }
        if type == "topicfilter", !actions.isEmpty, actions.allSatisfy({ $0.resourceType == "topic" }) {
            warn("\(place) names a topicfilter/ ARN for \(actions.map(\.rawValue).joined(separator: ", ")), which \(actions.count == 1 ? "is" : "are") checked against topic/", "write topic/\(name.dropFirst(12))")
        }
        var rest = Substring(resource)
        while let open = rest.firstRange(of: "${"), let close = rest[open.upperBound...].firstIndex(of: "}") {
            let variable = String(rest[open.upperBound..<close])
            if version != "2012-10-17" {
                warn("\(place) uses ${\(variable)} but the policy's Version is \(version ?? "missing"), under which it is literal text", "set \"Version\": \"2012-10-17\"")
                break
            }
            if !["*", "?", "$"].contains(variable), !Self.isKnownKey(variable) {
                warn("${\(variable)} in \(place) is not an AWS IoT policy variable; it will stay unreplaced",
                     PolicySuggestion.nearest(to: variable, in: Self.keyExamples).map { "did you mean ${\($0)}?" })
            }
            rest = rest[rest.index(after: close)...]
        }
        return warnings
    }

    private func strings(_ value: IoTJSONNode?) -> [(String, IoTJSONNode)] {
        guard let value else { return [] }
        if let text = value.string { return [(text, value)] }
        if case .array(let elements) = value.kind { return elements.compactMap { element in element.string.map { ($0, element) } } }
        return []
    }

    /// Full names for suggestions.
    static let keyExamples = [
        "iot:ClientId", "aws:SourceIp", "iot:ConnectAttributes", "iot:CertificateId", "iot:Connection.Thing.ThingName",
        "iot:Connection.Thing.ThingTypeName", "iot:Connection.Thing.IsAttached", "iot:Certificate.SerialNumber",
        "iot:Certificate.AvailableKeys",
    ] + distinguishedNameAttributes.flatMap { ["iot:Certificate.Subject.\($0)", "iot:Certificate.Issuer.\($0)"] }
        + alternativeNameKinds.flatMap { ["iot:Certificate.SubjectAlternativeName.\($0)", "iot:Certificate.IssuerAlternativeName.\($0)"] }

    static let distinguishedNameAttributes = [
        "CommonName", "Organization", "OrganizationalUnit", "Country", "State", "Locality", "SerialNumber", "Title",
        "Surname", "GivenName", "Initials", "Pseudonym", "GenerationQualifier", "DistinguishedNameQualifier",
    ]
    static let alternativeNameKinds = ["DNSName", "IPAddress", "UniformResourceIdentifier", "RFC822Name", "DirectoryName"]

    /// Whether `key` is a condition key or variable AWS IoT defines (ignoring case; `.N`/`.List` suffixes allowed on
    /// certificate names, any key inside `Attributes[…]`).
    static func isKnownKey(_ key: String) -> Bool {
        let lowered = key.lowercased()
        if keyExamples.contains(where: { $0.lowercased() == lowered }) { return true }
        if lowered.hasPrefix("iot:connection.thing.attributes["), lowered.hasSuffix("]") { return true }
        let parts = lowered.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "iot:certificate" else { return false }
        let base = parts[0...2].joined(separator: ".")
        let suffix = parts[3]
        return keyExamples.contains { $0.lowercased() == base } && (suffix == "list" || Int(suffix).map { $0 >= 0 } == true)
    }
}
