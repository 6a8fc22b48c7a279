/// Turns a policy's text into an ``IoTPolicyDocument``, refusing what CreatePolicy refuses with the position of the
/// offending key or value.
struct PolicyDocumentParser {
    let name: String
    let file: String

    private static let topLevelKeys = ["Version", "Statement", "Id"]
    private static let statementKeys = ["Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"]

    func parse(_ text: String) throws(IoTPolicyError) -> IoTPolicyDocument {
        let root: IoTJSONNode
        do {
            root = try IoTJSONReader.read(text, rules: .policy)
        } catch {
            throw IoTPolicyError(file: file, line: error.line, column: error.column, message: "invalid JSON: " + error.message, hint: error.hint)
        }
        try checkSize(text)
        guard case .object(let members) = root.kind else {
            throw error(at: root, "a policy document is a JSON object, not \(root.typeName)")
        }
        try checkKeys(members, allowed: Self.topLevelKeys, place: "the policy document")
        var version: String?
        if let member = members.first(where: { $0.key == "Version" }) {
            guard let value = member.value.string, IoTPolicyDocument.versions.contains(value) else {
                throw error(at: member.value, "\"Version\" is \(describe(member.value)); AWS IoT accepts \"2012-10-17\" or \"2008-10-17\"",
                            hint: "use \"2012-10-17\", the version under which policy variables work")
            }
            version = value
        }
        var id: String?
        if let member = members.first(where: { $0.key == "Id" }) {
            guard let value = member.value.string else { throw error(at: member.value, "\"Id\" must be a string, not \(member.value.typeName)") }
            id = value
        }
        guard let statementMember = members.first(where: { $0.key == "Statement" }) else {
            throw error(at: root, "the policy document has no \"Statement\"", hint: "add \"Statement\": [{\"Effect\": …, \"Action\": …, \"Resource\": …}]")
        }
        let elements: [IoTJSONNode]
        switch statementMember.value.kind {
        case .object: elements = [statementMember.value]
        case .array(let array): elements = array
        default: throw error(at: statementMember.value, "\"Statement\" must be an object or an array of objects, not \(statementMember.value.typeName)")
        }
        guard !elements.isEmpty else { throw error(at: statementMember.value, "\"Statement\" is empty; a policy needs at least one statement") }
        var statements: [IoTPolicyStatement] = []
        for (offset, element) in elements.enumerated() {
            statements.append(try parseStatement(element, number: offset + 1))
        }
        var document = IoTPolicyDocument(name: name, file: file, version: version, id: id, statements: statements)
        document.warnings = PolicyDocumentLinter(file: file).warnings(root, version: version)
        return document
    }

    private func checkSize(_ text: String) throws(IoTPolicyError) {
        var count = 0
        var line = 1
        var column = 1
        for scalar in text.unicodeScalars {
            if !IoTPolicyDocument.isWhitespace(scalar) {
                count += 1
                if count == IoTPolicyDocument.maximumSize + 1 {
                    let total = IoTPolicyDocument.size(of: text)
                    throw IoTPolicyError(
                        file: file, line: line, column: column,
                        message: "the policy is \(total) characters not counting whitespace; AWS IoT refuses policies over \(IoTPolicyDocument.maximumSize)",
                        hint: "split it into several policies (up to 10 per certificate) or use wildcards and policy variables")
                }
            }
            if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
        }
    }

    private func parseStatement(_ value: IoTJSONNode, number: Int) throws(IoTPolicyError) -> IoTPolicyStatement {
        guard case .object(let members) = value.kind else {
            throw error(at: value, "statement \(number) must be an object, not \(value.typeName)")
        }
        let place = "statement \(number)"
        if let principal = members.first(where: { $0.key == "Principal" || $0.key == "NotPrincipal" }) {
            throw error(at: principal, "\"\(principal.key)\" in \(place): AWS IoT policies have no principal element",
                        hint: "a policy applies to the certificate (or identity or thing group) it is attached to; remove \"\(principal.key)\"")
        }
        try checkKeys(members, allowed: Self.statementKeys, place: place)
        var sid: String?
        if let member = members.first(where: { $0.key == "Sid" }) {
            guard let text = member.value.string else { throw error(at: member.value, "\"Sid\" in \(place) must be a string, not \(member.value.typeName)") }
            sid = text
        }
        guard let effectMember = members.first(where: { $0.key == "Effect" }) else {
            throw error(at: value, "\(place) has no \"Effect\"", hint: "add \"Effect\": \"Allow\" or \"Effect\": \"Deny\"")
        }
        guard let effectText = effectMember.value.string, let effect = IoTPolicyEffect(rawValue: effectText) else {
            let near = effectMember.value.string.flatMap { text in IoTPolicyEffect.allCases.first { $0.rawValue.lowercased() == text.lowercased() } }
            throw error(at: effectMember.value, "\"Effect\" in \(place) is \(describe(effectMember.value)); it must be \"Allow\" or \"Deny\"",
                        hint: near.map { "write \"\($0.rawValue)\" (the value is case-sensitive)" })
        }
        let (actions, notActions) = try exactlyOne("Action", "NotAction", in: members, statement: value, place: place)
        let actionPatterns = try strings(actions ?? notActions!, key: actions != nil ? "Action" : "NotAction", place: place)
        for (pattern, position) in actionPatterns { try checkAction(pattern, at: position, place: place) }
        let (resources, notResources) = try exactlyOne("Resource", "NotResource", in: members, statement: value, place: place)
        let resourcePatterns = try strings(resources ?? notResources!, key: resources != nil ? "Resource" : "NotResource", place: place)
        for (pattern, position) in resourcePatterns { try checkResource(pattern, at: position, place: place) }
        var conditions: [IoTPolicyCondition] = []
        if let member = members.first(where: { $0.key == "Condition" }) {
            conditions = try parseConditions(member.value, place: place)
        }
        return IoTPolicyStatement(
            sid: sid, effect: effect,
            actions: actions == nil ? nil : actionPatterns.map(\.0), notActions: notActions == nil ? nil : actionPatterns.map(\.0),
            resources: resources == nil ? nil : resourcePatterns.map(\.0), notResources: notResources == nil ? nil : resourcePatterns.map(\.0),
            conditions: conditions, line: value.line)
    }

    private func exactlyOne(
        _ key: String, _ negated: String, in members: [IoTJSONNode.Member], statement: IoTJSONNode, place: String
    ) throws(IoTPolicyError) -> (IoTJSONNode?, IoTJSONNode?) {
        let plain = members.first { $0.key == key }
        let not = members.first { $0.key == negated }
        if let plain, let not {
            let later = plain.line > not.line || (plain.line == not.line && plain.column > not.column) ? plain : not
            throw error(at: later, "\(place) has both \"\(key)\" and \"\(negated)\"", hint: "keep one of them")
        }
        guard plain != nil || not != nil else {
            throw error(at: statement, "\(place) has no \"\(key)\" (or \"\(negated)\")",
                        hint: key == "Resource" ? "AWS IoT needs a resource; \"Resource\": \"*\" covers all" : "add \"\(key)\": \"iot:…\"")
        }
        return (plain?.value, not?.value)
    }

    private func strings(_ value: IoTJSONNode, key: String, place: String) throws(IoTPolicyError) -> [(String, IoTJSONNode)] {
        switch value.kind {
        case .string(let text): return [(text, value)]
        case .array(let elements):
            guard !elements.isEmpty else { throw error(at: value, "\"\(key)\" in \(place) is an empty array") }
            var result: [(String, IoTJSONNode)] = []
            for element in elements {
                guard let text = element.string else {
                    throw error(at: element, "\"\(key)\" in \(place) holds \(element.typeName); it takes strings")
                }
                result.append((text, element))
            }
            return result
        default: throw error(at: value, "\"\(key)\" in \(place) must be a string or an array of strings, not \(value.typeName)")
        }
    }

    private func checkAction(_ pattern: String, at value: IoTJSONNode, place: String) throws(IoTPolicyError) {
        let known = IoTAction.allCases.map(\.rawValue) + IoTAction.acceptedUnevaluated
        guard pattern.lowercased().hasPrefix("iot:") else {
            throw error(at: value, "action \"\(pattern)\" in \(place) is not an AWS IoT action; IoT policies take \"iot:\" actions",
                        hint: PolicySuggestion.nearest(to: pattern, in: known).map { "did you mean \"\($0)\"?" })
        }
        if pattern.contains("*") || pattern.contains("?") {
            let matcher = PolicyWildcardPattern(pattern, caseInsensitive: true)
            guard known.contains(where: { matcher.matches($0) }) else {
                throw error(at: value, "action pattern \"\(pattern)\" in \(place) matches no AWS IoT action",
                            hint: "AWS IoT's actions are " + IoTAction.allCases.map(\.rawValue).joined(separator: ", "))
            }
        } else if !known.contains(where: { $0.lowercased() == pattern.lowercased() }) {
            let list = "AWS IoT's actions are " + IoTAction.allCases.map(\.rawValue).joined(separator: ", ")
            throw error(at: value, "unknown action \"\(pattern)\" in \(place)",
                        hint: PolicySuggestion.nearest(to: pattern, in: known).map { "did you mean \"\($0)\"? " + list } ?? list)
        }
    }

    private func checkResource(_ pattern: String, at value: IoTJSONNode, place: String) throws(IoTPolicyError) {
        if pattern == "*" { return }
        guard pattern.hasPrefix("arn:") else {
            throw error(at: value, "resource \"\(pattern)\" in \(place) is neither \"*\" nor an ARN",
                        hint: "write arn:aws:iot:REGION:ACCOUNT:TYPE/NAME, e.g. arn:aws:iot:us-east-1:123456789012:topic/\(pattern)")
        }
        guard pattern.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).count == 6 else {
            throw error(at: value, "resource \"\(pattern)\" in \(place) is not a complete ARN",
                        hint: "an ARN has six parts: arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE")
        }
    }

    private func parseConditions(_ value: IoTJSONNode, place: String) throws(IoTPolicyError) -> [IoTPolicyCondition] {
        guard case .object(let operators) = value.kind else {
            throw error(at: value, "\"Condition\" in \(place) must be an object, not \(value.typeName)")
        }
        var conditions: [IoTPolicyCondition] = []
        for member in operators {
            guard let conditionOperator = IoTConditionOperator(parsing: member.key) else {
                let names = IoTConditionOperator.Base.allCases.map(\.rawValue)
                let bare = member.key.split(separator: ":").last.map(String.init) ?? member.key
                let nearest = PolicySuggestion.nearest(to: bare.hasSuffix("IfExists") ? String(bare.dropLast(8)) : bare, in: names)
                throw error(at: member, "unknown condition operator \"\(member.key)\" in \(place)",
                            hint: nearest.map { "did you mean \"\($0)\"?" } ?? "pkilab evaluates " + names.joined(separator: ", ") + " (with ForAllValues:/ForAnyValue: and IfExists)")
            }
            guard case .object(let keys) = member.value.kind else {
                throw error(at: member.value, "condition \"\(member.key)\" in \(place) must map condition keys to values, not be \(member.value.typeName)")
            }
            for key in keys {
                var values: [String] = []
                let elements: [IoTJSONNode]
                if case .array(let array) = key.value.kind { elements = array } else { elements = [key.value] }
                for element in elements {
                    switch element.kind {
                    case .string(let text): values.append(text)
                    case .bool(let flag): values.append(flag ? "true" : "false")
                    case .number(let text): values.append(text)
                    default:
                        throw error(at: element, "the value of \"\(key.key)\" under \"\(member.key)\" in \(place) is \(element.typeName); it takes strings, numbers or booleans")
                    }
                }
                guard !values.isEmpty else { throw error(at: key.value, "\"\(key.key)\" under \"\(member.key)\" in \(place) has no values") }
                conditions.append(IoTPolicyCondition(operator: conditionOperator, key: key.key, values: values, line: key.line))
            }
        }
        return conditions
    }

    private func checkKeys(_ members: [IoTJSONNode.Member], allowed: [String], place: String) throws(IoTPolicyError) {
        var seen: Set<String> = []
        for member in members {
            guard allowed.contains(member.key) else {
                let nearest = PolicySuggestion.nearest(to: member.key, in: allowed)
                throw error(at: member, "unknown key \"\(member.key)\" in \(place)",
                            hint: nearest.map { "did you mean \"\($0)\"?" } ?? "the keys are " + allowed.map { "\"\($0)\"" }.joined(separator: ", "))
            }
            guard seen.insert(member.key).inserted else {
                throw error(at: member, "\"\(member.key)\" appears twice in \(place)", hint: "keep one; merge their values into an array")
            }
        }
    }

    private func describe(_ value: IoTJSONNode) -> String {
        if let text = value.string { return "\"\(text)\"" }
        return value.typeName
    }

    private func error(at value: IoTJSONNode, _ message: String, hint: String? = nil) -> IoTPolicyError {
        IoTPolicyError(file: file, line: value.line, column: value.column, message: message, hint: hint)
    }

    private func error(at member: IoTJSONNode.Member, _ message: String, hint: String? = nil) -> IoTPolicyError {
        IoTPolicyError(file: file, line: member.line, column: member.column, message: message, hint: hint)
    }
}
