/// A message the AWS IoT twin publishes: a topic (one of AWS's reserved `$aws/…` topics) and its payload.
public struct IoTMessage: Sendable, Hashable {
    public var topic: String
    public var payload: [UInt8]

    public init(topic: String, payload: [UInt8]) {
        self.topic = topic
        self.payload = payload
    }

    /// A message whose payload is `json`, compactly encoded with sorted keys.
    public init(topic: String, json: IoTJSON) {
        self.init(topic: topic, payload: json.encoded())
    }

    /// The payload as text (lossy for non-UTF-8 payloads), for logs and tests.
    public var payloadText: String { String(decoding: payload, as: UTF8.self) }
}
