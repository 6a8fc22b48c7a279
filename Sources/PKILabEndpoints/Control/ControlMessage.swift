/// One request to a running `pkilab up` over its control socket (`ca/control.sock`), and its reply: one JSON line
/// each way. Only the AWS IoT twin's state is reachable this way (`pkilab shadow`, `pkilab job`).
public enum ControlMessage {
    public struct Request: Sendable, Codable, Hashable {
        /// `shadow` (a Device Shadow request, answered on the MQTT topics as a device's would be), `shadow-document`
        /// (read without publishing), `job-create`, `job-list`.
        public var op: String
        public var thing: String
        /// A named shadow; nil for the classic one.
        public var shadow: String?
        /// `get`, `update` or `delete` for `shadow`.
        public var operation: String?
        /// The request's JSON text (a shadow request, a job document).
        public var payload: String?
        public var jobID: String?

        public init(op: String, thing: String, shadow: String? = nil, operation: String? = nil, payload: String? = nil, jobID: String? = nil) {
            self.op = op
            self.thing = thing
            self.shadow = shadow
            self.operation = operation
            self.payload = payload
            self.jobID = jobID
        }
    }

    /// A message the twin published because of the request.
    public struct Published: Sendable, Codable, Hashable {
        public var topic: String
        public var payload: String

        public init(topic: String, payload: String) {
            self.topic = topic
            self.payload = payload
        }
    }

    public struct Reply: Sendable, Codable, Hashable {
        public var ok: Bool
        /// One sentence: what happened.
        public var summary: String
        /// AWS's error code when the twin rejected the request (400, 404, 409, …).
        public var errorCode: Int?
        /// A document (`shadow-document`) or a listing (`job-list`), as JSON text.
        public var document: String?
        public var published: [Published]

        public init(ok: Bool, summary: String, errorCode: Int? = nil, document: String? = nil, published: [Published] = []) {
            self.ok = ok
            self.summary = summary
            self.errorCode = errorCode
            self.document = document
            self.published = published
        }
    }
}
