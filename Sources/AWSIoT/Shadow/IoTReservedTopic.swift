/// What a publish to one of AWS IoT's reserved `$aws/…` request topics asks for: a Device Shadow or a Jobs request.
public enum IoTReservedTopic: Sendable, Hashable {
    case shadow(ShadowRequest.Target, ShadowOperation)
    case jobs(thing: String, JobsRequest)

    /// The request a device makes by publishing to `requestTopic`, or nil when the topic is not one of these request
    /// topics (valid thing, shadow and job names required):
    ///
    /// - `$aws/things/T/shadow/get|update|delete`, `$aws/things/T/shadow/name/N/get|update|delete`
    /// - `$aws/things/T/jobs/get`, `…/jobs/start-next`, `…/jobs/<jobId>/get` (`$next` allowed),
    ///   `…/jobs/<jobId>/update`
    public init?(requestTopic: String) {
        let levels = requestTopic.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard levels.count >= 5, levels[0] == "$aws", levels[1] == "things", ThingName(levels[2]) != nil else {
            return nil
        }
        let thing = levels[2]
        switch (levels[3], levels.count) {
        case ("shadow", 5):
            guard let operation = ShadowOperation(rawValue: levels[4]) else { return nil }
            self = .shadow(ShadowRequest.Target(thing: thing), operation)
        case ("shadow", 7):
            guard levels[4] == "name", ShadowRequest.Target.isValidShadowName(levels[5]),
                let operation = ShadowOperation(rawValue: levels[6])
            else { return nil }
            self = .shadow(ShadowRequest.Target(thing: thing, shadow: levels[5]), operation)
        case ("jobs", 5):
            switch levels[4] {
            case "get": self = .jobs(thing: thing, .get)
            case "start-next": self = .jobs(thing: thing, .startNext)
            default: return nil
            }
        case ("jobs", 6):
            let jobID = levels[4]
            switch levels[5] {
            case "get" where jobID == JobsRequest.next || JobID.isValid(jobID):
                self = .jobs(thing: thing, .describe(jobID: jobID))
            case "update" where JobID.isValid(jobID):
                self = .jobs(thing: thing, .update(jobID: jobID))
            default: return nil
            }
        default:
            return nil
        }
    }

    /// Whether `topic` is in AWS IoT's reserved `$aws/` space, where only the documented topics exist.
    public static func isReserved(_ topic: String) -> Bool {
        topic.hasPrefix("$aws/")
    }

    /// Whether `topic` is one AWS IoT publishes on and devices may only subscribe to: shadow and jobs replies
    /// (`…/accepted`, `…/rejected`), `…/shadow/…/update/delta`, `…/update/documents`, `…/jobs/notify`,
    /// `…/jobs/notify-next`, and every `$aws/events/…` topic.
    public static func isResponseOrEventTopic(_ topic: String) -> Bool {
        if topic.hasPrefix("$aws/events/") { return true }
        guard topic.hasPrefix("$aws/things/") else { return false }
        let levels = topic.split(separator: "/", omittingEmptySubsequences: false)
        guard levels.count >= 5 else { return false }
        switch levels[3] {
        case "shadow":
            if levels.last == "accepted" || levels.last == "rejected" { return true }
            return levels.count >= 6 && levels[levels.count - 2] == "update"
                && (levels.last == "delta" || levels.last == "documents")
        case "jobs":
            if levels.last == "accepted" || levels.last == "rejected" { return true }
            return levels.count == 5 && (levels[4] == "notify" || levels[4] == "notify-next")
        default:
            return false
        }
    }
}
