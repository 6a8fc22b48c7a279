import MQTTBroker

/// Reads `broker: { max_sessions: 100000, max_retained_messages: 10000, max_retained_bytes: 64MiB }`: the caps the
/// MQTT listeners of a lab share.
enum BrokerSection {
    static func read(_ node: LabNode) throws(LabFileError) -> BrokerQuotas {
        var quotas = BrokerQuotas()
        for (key, value) in try node.mapping(allowed: LabBuilder.brokerKeys, what: "the broker's caps") {
            switch key {
            case "max_sessions": quotas.maximumSessions = try value.int(what: "a number of sessions", range: 1...10_000_000)
            case "max_retained_messages": quotas.maximumRetainedMessages = try value.int(what: "a number of retained messages", range: 0...10_000_000)
            default:
                let text = try value.string(what: "a size")
                guard let bytes = EventRotation.parseSize(text), bytes <= 16 << 30 else {
                    throw value.error(.invalidValue, "\"\(text)\" is not a size of at most 16GiB", hint: "write it like 64MiB, 512KiB or 1048576 (bytes)")
                }
                quotas.maximumRetainedBytes = bytes
            }
        }
        return quotas
    }
}
