/// AWS IoT's lifecycle events: what the broker publishes on `$aws/events/presence/…` and
/// `$aws/events/subscriptions/…` when clients connect, disconnect, fail to connect, subscribe and unsubscribe.
///
/// Timestamps are milliseconds since 1970 (unlike the shadow's and jobs' seconds). Payload fields are exactly AWS's;
/// `thingName` appears only when the connection is known to belong to a thing (AWS: an exclusive thing attachment).
/// Clients whose id holds `#` or `+` get no events (see ``hasEvents(clientID:)``).
public enum IoTLifecycle {
    /// Whether AWS publishes lifecycle events for `clientID`: not for ids holding `#` or `+`.
    public static func hasEvents(clientID: String) -> Bool {
        !clientID.contains("#") && !clientID.contains("+")
    }

    /// `$aws/events/presence/connected/<clientId>`.
    public static func connected(
        clientID: String, thingName: String? = nil, timestamp: Int64, sessionIdentifier: String,
        principalIdentifier: String, ipAddress: String, versionNumber: Int
    ) -> IoTMessage {
        IoTMessage(
            topic: "$aws/events/presence/connected/\(clientID)",
            json: .members([
                "clientId": .string(clientID), "thingName": thingName.map(IoTJSON.string),
                "timestamp": .int(timestamp), "eventType": .string("connected"),
                "sessionIdentifier": .string(sessionIdentifier), "principalIdentifier": .string(principalIdentifier),
                "ipAddress": .string(ipAddress), "versionNumber": .int(Int64(versionNumber)),
            ]))
    }

    /// `$aws/events/presence/disconnected/<clientId>`; `versionNumber` is the one its `connected` event carried.
    public static func disconnected(
        clientID: String, thingName: String? = nil, timestamp: Int64, sessionIdentifier: String,
        principalIdentifier: String, clientInitiatedDisconnect: Bool, disconnectReason: DisconnectReason,
        versionNumber: Int
    ) -> IoTMessage {
        IoTMessage(
            topic: "$aws/events/presence/disconnected/\(clientID)",
            json: .members([
                "clientId": .string(clientID), "thingName": thingName.map(IoTJSON.string),
                "timestamp": .int(timestamp), "eventType": .string("disconnected"),
                "sessionIdentifier": .string(sessionIdentifier), "principalIdentifier": .string(principalIdentifier),
                "clientInitiatedDisconnect": .bool(clientInitiatedDisconnect),
                "disconnectReason": .string(disconnectReason.rawValue), "versionNumber": .int(Int64(versionNumber)),
            ]))
    }

    /// `$aws/events/presence/connect_failed/<clientId>`: a CONNECT the policy refused (also for a Will topic it
    /// does not allow). AWS documents one `failureReason`, `AUTHORIZATION_FAILED`.
    public static func connectFailed(
        clientID: String, timestamp: Int64, failureReason: String = "AUTHORIZATION_FAILED", principalIdentifier: String
    ) -> IoTMessage {
        IoTMessage(
            topic: "$aws/events/presence/connect_failed/\(clientID)",
            json: .object([
                "clientId": .string(clientID), "timestamp": .int(timestamp), "eventType": .string("connect_failed"),
                "failureReason": .string(failureReason), "principalIdentifier": .string(principalIdentifier),
            ]))
    }

    /// `$aws/events/subscriptions/subscribed/<clientId>`, listing the topic filters of one SUBSCRIBE.
    public static func subscribed(
        clientID: String, topics: [String], timestamp: Int64, sessionIdentifier: String, principalIdentifier: String
    ) -> IoTMessage {
        subscription("subscribed", clientID, topics, timestamp, sessionIdentifier, principalIdentifier)
    }

    /// `$aws/events/subscriptions/unsubscribed/<clientId>`, listing the topic filters of one UNSUBSCRIBE.
    public static func unsubscribed(
        clientID: String, topics: [String], timestamp: Int64, sessionIdentifier: String, principalIdentifier: String
    ) -> IoTMessage {
        subscription("unsubscribed", clientID, topics, timestamp, sessionIdentifier, principalIdentifier)
    }

    private static func subscription(
        _ eventType: String, _ clientID: String, _ topics: [String], _ timestamp: Int64, _ sessionIdentifier: String,
        _ principalIdentifier: String
    ) -> IoTMessage {
        IoTMessage(
            topic: "$aws/events/subscriptions/\(eventType)/\(clientID)",
            json: .object([
                "clientId": .string(clientID), "timestamp": .int(timestamp), "eventType": .string(eventType),
                "sessionIdentifier": .string(sessionIdentifier), "principalIdentifier": .string(principalIdentifier),
                "topics": .array(topics.map(IoTJSON.string)),
            ]))
    }
}
