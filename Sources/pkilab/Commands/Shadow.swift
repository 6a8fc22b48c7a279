import AWSIoT
import ArgumentParser
import Foundation
import PKILab
import PKILabEndpoints

struct Shadow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shadow",
        abstract: "Read and change the AWS IoT twin's Device Shadows, as the cloud side would.",
        discussion: """
            With pkilab up running, an update is the same request a device would publish to \
            $aws/things/THING/shadow/update: subscribed devices get update/accepted, update/delta and \
            update/documents. With no lab running, the shadow is changed in ca/aws-iot-state.json and a device \
            sees it at its next shadow/get. Reference: docs/aws-iot.md.
              pkilab shadow update device-001 --desired '{"led":"on"}'
              pkilab shadow get device-001
            """,
        subcommands: [ShadowGet.self, ShadowUpdate.self, ShadowDelete.self],
        defaultSubcommand: ShadowGet.self)
}

struct ShadowTarget: ParsableArguments {
    @Argument(help: "The thing name.")
    var thing: String

    @Option(name: .customLong("name"), help: "A named shadow (default: the classic shadow).")
    var shadow: String?

    var target: ShadowRequest.Target { ShadowRequest.Target(thing: thing, shadow: shadow) }
}

struct ShadowGet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Print a shadow's document (state, delta, metadata, version).")

    @OptionGroup var options: LabOptions
    @OptionGroup var shadow: ShadowTarget

    func run() async throws {
        try await reportingErrors {
            let lab = try TwinAccess.lab(options)
            let request = ControlMessage.Request(op: "shadow-document", thing: shadow.thing, shadow: shadow.shadow)
            let document: String?
            if let reply = try await TwinAccess.sendIfRunning(request, lab: lab, options: options) {
                document = reply.document
            } else {
                let state = try options.store.awsIoTState()
                let now = Int64(Date().timeIntervalSince1970)
                document = state.shadows.document(shadow.target, now: now).map { String(decoding: $0, as: UTF8.self) }
            }
            guard let document else {
                Console.error("there is no \(shadow.target)", hint: "make one: pkilab shadow update \(shadow.thing) --desired '{\"led\":\"on\"}'")
                throw ExitCode(ExitStatus.notFound)
            }
            Console.out(document)
        }
    }
}

struct ShadowUpdate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "update", abstract: "Update a shadow: desired or reported state, or a whole request document.")

    @OptionGroup var options: LabOptions
    @OptionGroup var shadow: ShadowTarget

    @Option(help: "The desired state, as JSON (e.g. '{\"led\":\"on\"}').")
    var desired: String?

    @Option(help: "The reported state, as JSON.")
    var reported: String?

    @Option(help: "A whole update request ({\"state\":{…},\"version\":N,\"clientToken\":…}) from a file, or - for stdin.")
    var document: String?

    func run() async throws {
        try await reportingErrors {
            let lab = try TwinAccess.lab(options)
            let payload: String
            if let document {
                guard let data = document == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: document) else {
                    Console.error("cannot read \(document)", hint: "give a file with the update request's JSON, or - for stdin")
                    throw ExitCode(ExitStatus.notFound)
                }
                payload = String(decoding: data, as: UTF8.self)
            } else {
                guard desired != nil || reported != nil else {
                    Console.error("nothing to update", hint: "give --desired JSON, --reported JSON or --document FILE")
                    throw ExitCode(ExitStatus.usage)
                }
                let parts = [desired.map { "\"desired\":\($0)" }, reported.map { "\"reported\":\($0)" }].compactMap { $0 }
                payload = "{\"state\":{\(parts.joined(separator: ","))}}"
            }
            try await TwinAccess.shadowRequest(.update, shadow: shadow, payload: payload, lab: lab, options: options)
        }
    }
}

struct ShadowDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a shadow (its version count carries on if it is made again).")

    @OptionGroup var options: LabOptions
    @OptionGroup var shadow: ShadowTarget

    func run() async throws {
        try await reportingErrors {
            let lab = try TwinAccess.lab(options)
            try await TwinAccess.shadowRequest(.delete, shadow: shadow, payload: "", lab: lab, options: options)
        }
    }
}
