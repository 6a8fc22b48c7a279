import Foundation
import MQTTBroker
import MQTTCodec
import Yams

/// `policy:` — the MQTT broker's allow and deny rules.
extension LabBuilder {
    // MARK: Policy

    /// `policy:` — a list of rules, each `allow:` or `deny:` one or more actions, with `topics:` and optional `identities:`.
    func readPolicy(_ node: LabNode) throws(LabFileError) -> BrokerPolicy {
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
    func checkPolicyTopic(_ topic: String, _ node: LabNode) throws(LabFileError) {
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
}
