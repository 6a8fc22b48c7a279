/// One job's execution on one thing, as the Jobs service keeps it.
public struct JobExecution: Sendable, Hashable, Codable {
    public var jobID: String
    public var thingName: String
    /// The job document as created; placeholders stay here and are replaced only in what a device receives.
    public var document: IoTJSON
    public var status: JobExecutionStatus
    /// Name–value pairs the device reported with its last status change.
    public var statusDetails: [String: String]
    /// Seconds since 1970 on the lab's clock, as AWS's MQTT Jobs API reports them.
    public var queuedAt: Int64
    public var startedAt: Int64?
    public var lastUpdatedAt: Int64
    /// Starts at 1 and grows by one with every change; `expectedVersion` is checked against it.
    public var versionNumber: Int64
    public var executionNumber: Int64
    /// The step timeout the device asked for (`stepTimeoutInMinutes`), recorded but not enforced.
    public var stepTimeoutInMinutes: Int64?

    public init(
        jobID: String, thingName: String, document: IoTJSON, status: JobExecutionStatus = .queued,
        statusDetails: [String: String] = [:], queuedAt: Int64, startedAt: Int64? = nil, lastUpdatedAt: Int64,
        versionNumber: Int64 = 1, executionNumber: Int64 = 1, stepTimeoutInMinutes: Int64? = nil
    ) {
        self.jobID = jobID
        self.thingName = thingName
        self.document = document
        self.status = status
        self.statusDetails = statusDetails
        self.queuedAt = queuedAt
        self.startedAt = startedAt
        self.lastUpdatedAt = lastUpdatedAt
        self.versionNumber = versionNumber
        self.executionNumber = executionNumber
        self.stepTimeoutInMinutes = stepTimeoutInMinutes
    }

    private var statusDetailsJSON: IoTJSON? {
        statusDetails.isEmpty ? nil : .object(statusDetails.mapValues(IoTJSON.string))
    }

    /// JobExecutionSummary: `{jobId, queuedAt, startedAt?, lastUpdatedAt, versionNumber, executionNumber}`.
    var summaryJSON: IoTJSON {
        .members([
            "jobId": .string(jobID), "queuedAt": .int(queuedAt), "startedAt": startedAt.map(IoTJSON.int),
            "lastUpdatedAt": .int(lastUpdatedAt), "versionNumber": .int(versionNumber),
            "executionNumber": .int(executionNumber),
        ])
    }

    /// JobExecutionState: `{status, statusDetails?, versionNumber}`.
    var stateJSON: IoTJSON {
        .members([
            "status": .string(status.rawValue), "statusDetails": statusDetailsJSON,
            "versionNumber": .int(versionNumber),
        ])
    }

    /// JobExecution: `{jobId, thingName, jobDocument?, status, statusDetails?, queuedAt, startedAt?, lastUpdatedAt,
    /// versionNumber, executionNumber}`, with `document` (already pre-signed) as `jobDocument`.
    func executionJSON(document: IoTJSON?) -> IoTJSON {
        .members([
            "jobId": .string(jobID), "thingName": .string(thingName), "jobDocument": document,
            "status": .string(status.rawValue), "statusDetails": statusDetailsJSON, "queuedAt": .int(queuedAt),
            "startedAt": startedAt.map(IoTJSON.int), "lastUpdatedAt": .int(lastUpdatedAt),
            "versionNumber": .int(versionNumber), "executionNumber": .int(executionNumber),
        ])
    }
}
