import AWSIoT
import ArgumentParser
import Foundation
import PKILab
import PKILabEndpoints

struct Job: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job",
        abstract: "Queue AWS IoT Jobs for a thing and list their executions.",
        discussion: """
            A job document may carry ${aws:iot:s3-presigned-url:https://s3.REGION.amazonaws.com/BUCKET/KEY}: when \
            the device fetches the document (jobs/start-next, jobs/JOBID/get), the placeholder becomes a pre-signed \
            URL of KEY on the lab's OTA object store, as AWS IoT's OTA does. Reference: docs/aws-iot.md.
              pkilab job create device-001 --document ota-job.json
              pkilab job ls device-001
            """,
        subcommands: [JobCreate.self, JobList.self],
        defaultSubcommand: JobList.self)
}

struct JobCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Queue a job execution for a thing.")

    @OptionGroup var options: LabOptions

    @Argument(help: "The thing the job is for.")
    var thing: String

    @Option(help: "The job document (a JSON object), or - for stdin.")
    var document: String

    @Option(help: "The job id (1–64 of a-z A-Z 0-9 _ -; default: job- and the time).")
    var jobID: String?

    func run() async throws {
        try await reportingErrors {
            let lab = try TwinAccess.lab(options)
            guard let data = document == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: document) else {
                Console.error("cannot read \(document)", hint: "give a file with the job document's JSON, or - for stdin")
                throw ExitCode(ExitStatus.notFound)
            }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyyMMdd-HHmmss"
            let id = jobID ?? "job-" + formatter.string(from: Date())
            let text = String(decoding: data, as: UTF8.self)
            let request = ControlMessage.Request(op: "job-create", thing: thing, payload: text, jobID: id)
            if let reply = try await TwinAccess.sendIfRunning(request, lab: lab, options: options) {
                guard reply.ok else {
                    Console.error(reply.summary, hint: "a job document is a JSON object of at most 32 KB; the job id must be new for this thing")
                    throw ExitCode(ExitStatus.usage)
                }
                for message in reply.published { Console.out("\(message.topic)  \(message.payload)") }
                Console.err(reply.summary)
                return
            }
            do {
                let messages = try TwinAccess.changeOffline(options) { state in
                    try state.jobs.create(jobID: id, thing: thing, document: Array(data), now: Int64(Date().timeIntervalSince1970))
                }
                _ = messages
            } catch let error as JobsError {
                Console.error("\(error)", hint: "a job document is a JSON object of at most 32 KB; the job id must be new for this thing")
                throw ExitCode(ExitStatus.usage)
            }
            Console.err("job \(id) queued for \(thing) (no lab running: saved in \(Console.path(options.store.directory.awsIoTState)); the device gets it with jobs/start-next)")
        }
    }
}

struct JobList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List job executions and their status.", aliases: ["list"])

    @OptionGroup var options: LabOptions

    @Argument(help: "Only this thing's executions.")
    var thing: String?

    func run() async throws {
        try reportingErrors {
            let lab = try TwinAccess.lab(options)
            let state = try options.store.awsIoTState()
            let things = thing.map { [$0] } ?? (lab.awsIoT?.things.map(\.name) ?? [])
            var any = false
            for name in things {
                for execution in state.jobs.executions(of: name) {
                    any = true
                    Console.out("\(name)  \(execution.jobID)  \(execution.status.rawValue)  version \(execution.versionNumber)")
                }
            }
            if !any { Console.err("no job executions" + (thing.map { " for \($0)" } ?? "")) }
        }
    }
}
