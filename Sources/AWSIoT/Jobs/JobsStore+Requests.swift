extension JobsStore {
    /// A device published `payload` to a Jobs request topic of `thing` at `now`. `presign` turns the URL inside a
    /// `${aws:iot:s3-presigned-url:URL}` placeholder into a pre-signed URL (nil leaves the placeholder, and the
    /// summary says so); it applies wherever the document is handed to the device.
    public mutating func handle(
        thing: String, _ request: JobsRequest, payload: [UInt8], now: Int64, presign: (String) -> String?
    ) -> JobsOutcome {
        let topic = request.topic(thing: thing)
        var fields: [String: IoTJSON] = [:]
        var clientToken: String?
        do {
            fields = try Self.fields(of: payload)
            clientToken = try Self.clientToken(in: fields)
            let before = snapshot(thing)
            let stored = things[thing]
            var (reply, summary, unreplaced) = try answer(
                thing: thing, request, fields: fields, now: now, presign: presign)
            reply["timestamp"] = .int(now)
            if let clientToken { reply["clientToken"] = .string(clientToken) }
            if unreplaced > 0 {
                summary += "; \(unreplaced) pre-signed URL placeholder(s) left as they are (no signer for them)"
            }
            let notifications = notifications(thing, since: before, now: now, presign: presign)
            return JobsOutcome(
                replies: [IoTMessage(topic: "\(topic)/accepted", json: .object(reply))],
                notifications: notifications, summary: summary, changed: things[thing] != stored)
        } catch {
            let token = clientToken ?? fields["clientToken"]?.stringValue.flatMap { $0.utf8.count <= 64 ? $0 : nil }
            return JobsOutcome(
                replies: [
                    IoTMessage(topic: "\(topic)/rejected", json: error.payload(timestamp: now, clientToken: token))
                ],
                notifications: [],
                summary: "jobs request of \(thing) on \(topic) rejected: \(error.code.rawValue) (\(error.message))",
                changed: false)
        }
    }

    /// The reply's fields (without timestamp and clientToken), a summary, and how many placeholders stayed.
    private mutating func answer(
        thing: String, _ request: JobsRequest, fields: [String: IoTJSON], now: Int64, presign: (String) -> String?
    ) throws(JobsRejection) -> ([String: IoTJSON], String, Int) {
        switch request {
        case .get:
            let pending = pending(thing)
            let reply: [String: IoTJSON] = [
                "inProgressJobs": .array(pending.filter { $0.status == .inProgress }.map(\.summaryJSON)),
                "queuedJobs": .array(pending.filter { $0.status == .queued }.map(\.summaryJSON)),
            ]
            return (reply, "\(thing) listed its pending jobs (\(pending.count))", 0)

        case .startNext:
            let details = try Self.statusDetails(in: fields)
            let timeout = try Self.stepTimeout(in: fields)
            guard var execution = next(thing) else {
                return ([:], "\(thing) asked for its next job; none is pending", 0)
            }
            let wasQueued = execution.status == .queued
            if wasQueued {
                execution.status = .inProgress
                execution.startedAt = now
                execution.lastUpdatedAt = now
                execution.versionNumber += 1
                if let details { execution.statusDetails = details }
                if let timeout { execution.stepTimeoutInMinutes = timeout }
                replace(execution)
            }
            let (document, unreplaced) = JobDocumentPresigner.presign(execution.document, presign)
            let summary = wasQueued
                ? "\(thing) started job \(execution.jobID) (IN_PROGRESS, version \(execution.versionNumber))"
                : "\(thing) resumed job \(execution.jobID) (already IN_PROGRESS)"
            return (["execution": execution.executionJSON(document: document)], summary, unreplaced)

        case .describe(let jobID):
            let includeDocument = try Self.bool("includeJobDocument", in: fields) ?? true
            let executionNumber = try Self.integer("executionNumber", in: fields)
            let found: JobExecution
            if jobID == JobsRequest.next {
                guard let next = next(thing) else { return ([:], "\(thing) asked for $next; none is pending", 0) }
                found = next
            } else {
                found = try execution(thing, jobID, executionNumber: executionNumber)
            }
            let (document, unreplaced) = JobDocumentPresigner.presign(found.document, presign)
            return (
                ["execution": found.executionJSON(document: includeDocument ? document : nil)],
                "\(thing) described job \(found.jobID) (\(found.status.rawValue))", includeDocument ? unreplaced : 0
            )

        case .update(let jobID):
            return try update(thing, jobID, fields: fields, now: now, presign: presign)
        }
    }

    private mutating func update(
        _ thing: String, _ jobID: String, fields: [String: IoTJSON], now: Int64, presign: (String) -> String?
    ) throws(JobsRejection) -> ([String: IoTJSON], String, Int) {
        guard let statusText = fields["status"]?.stringValue else {
            throw JobsRejection(.invalidRequest, "status is required and must be a string")
        }
        guard let status = JobExecutionStatus(rawValue: statusText),
            JobExecutionStatus.settableByDevice.contains(status)
        else {
            throw JobsRejection(
                .invalidRequest, "status must be IN_PROGRESS, SUCCEEDED, FAILED or REJECTED, not \(statusText)")
        }
        let details = try Self.statusDetails(in: fields)
        let timeout = try Self.stepTimeout(in: fields)
        let expectedVersion = try Self.integer("expectedVersion", in: fields)
        let includeState = try Self.bool("includeJobExecutionState", in: fields) ?? false
        let includeDocument = try Self.bool("includeJobDocument", in: fields) ?? false
        var execution = try execution(
            thing, jobID, executionNumber: try Self.integer("executionNumber", in: fields))
        if let expectedVersion, expectedVersion != execution.versionNumber {
            throw JobsRejection(
                .versionMismatch,
                "expectedVersion \(expectedVersion) does not match the current version \(execution.versionNumber)",
                execution: execution)
        }
        guard !execution.status.isTerminal else {
            throw JobsRejection(
                .invalidStateTransition,
                "job \(jobID) is \(execution.status.rawValue), a terminal status; it cannot become \(statusText)",
                execution: execution)
        }
        let previous = execution.status
        execution.status = status
        if status == .inProgress, execution.startedAt == nil { execution.startedAt = now }
        if let details { execution.statusDetails = details }
        if let timeout { execution.stepTimeoutInMinutes = timeout }
        execution.lastUpdatedAt = now
        execution.versionNumber += 1
        replace(execution)
        var reply: [String: IoTJSON] = [:]
        if includeState { reply["executionState"] = execution.stateJSON }
        var unreplaced = 0
        if includeDocument {
            let presigned = JobDocumentPresigner.presign(execution.document, presign)
            reply["jobDocument"] = presigned.0
            unreplaced = presigned.unreplaced
        }
        let summary = "\(thing) moved job \(jobID) from \(previous.rawValue) to \(status.rawValue) "
            + "(version \(execution.versionNumber))"
        return (reply, summary, unreplaced)
    }

    /// The execution of `jobID` on `thing` (with `executionNumber` when given), or ResourceNotFound.
    private func execution(_ thing: String, _ jobID: String, executionNumber: Int64?) throws(JobsRejection)
        -> JobExecution
    {
        guard let found = executions(of: thing).first(where: { $0.jobID == jobID }),
            executionNumber == nil || executionNumber == found.executionNumber
        else {
            throw JobsRejection(.resourceNotFound, "no execution of job \(jobID) exists for thing \(thing)")
        }
        return found
    }

    private mutating func replace(_ execution: JobExecution) {
        guard let index = things[execution.thingName]?.firstIndex(where: { $0.jobID == execution.jobID }) else {
            return
        }
        things[execution.thingName]?[index] = execution
    }

    // MARK: Request fields

    private static func fields(of payload: [UInt8]) throws(JobsRejection) -> [String: IoTJSON] {
        if payload.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [:] }
        guard case .object(let members)? = try? IoTJSONParser.parse(payload) else {
            throw JobsRejection(.invalidJSON, "the payload is not a JSON object")
        }
        return members
    }

    private static func clientToken(in fields: [String: IoTJSON]) throws(JobsRejection) -> String? {
        guard let token = fields["clientToken"] else { return nil }
        guard let text = token.stringValue, (1...64).contains(text.utf8.count) else {
            throw JobsRejection(.invalidRequest, "clientToken must be a string of 1 to 64 bytes")
        }
        return text
    }

    private static func statusDetails(in fields: [String: IoTJSON]) throws(JobsRejection) -> [String: String]? {
        guard let value = fields["statusDetails"], !value.isNull else { return nil }
        guard case .object(let members) = value else {
            throw JobsRejection(.invalidRequest, "statusDetails must be an object of strings")
        }
        var details: [String: String] = [:]
        for (key, member) in members {
            guard let text = member.stringValue else {
                throw JobsRejection(.invalidRequest, "statusDetails.\(key) must be a string")
            }
            details[key] = text
        }
        return details
    }

    private static func stepTimeout(in fields: [String: IoTJSON]) throws(JobsRejection) -> Int64? {
        guard let minutes = try integer("stepTimeoutInMinutes", in: fields) else { return nil }
        guard (1...10080).contains(minutes) else {
            throw JobsRejection(.invalidRequest, "stepTimeoutInMinutes must be 1 to 10080")
        }
        return minutes
    }

    private static func integer(_ name: String, in fields: [String: IoTJSON]) throws(JobsRejection) -> Int64? {
        guard let value = fields[name], !value.isNull else { return nil }
        guard let number = value.integerValue else { throw JobsRejection(.invalidRequest, "\(name) must be a number") }
        return number
    }

    private static func bool(_ name: String, in fields: [String: IoTJSON]) throws(JobsRejection) -> Bool? {
        guard let value = fields[name], !value.isNull else { return nil }
        guard let flag = value.boolValue else { throw JobsRejection(.invalidRequest, "\(name) must be true or false") }
        return flag
    }
}
