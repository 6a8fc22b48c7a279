import AWSIoT
import ArgumentParser
import Foundation
import PKILab
import PKILabEndpoints

/// How `pkilab shadow` and `pkilab job` reach the AWS IoT twin: through the control socket of a running `pkilab up`
/// (so devices see the change at once), or, with no lab running, in `ca/aws-iot-state.json` under the store's lock.
enum TwinAccess {
    /// The lab, which must have an `aws_iot:` section.
    static func lab(_ options: LabOptions) throws -> Lab {
        let lab = try options.loadLab()
        guard lab.awsIoT != nil else {
            Console.error("\(lab.file) has no aws_iot: section", hint: "add aws_iot: with things and policies (docs/aws-iot.md)")
            throw ExitCode(ExitStatus.usage)
        }
        return lab
    }

    /// The running lab's reply, or nil when no `pkilab up` serves this store. A lab that runs but does not answer is an
    /// error: changing the file behind its back would be lost when it next saves.
    static func sendIfRunning(_ request: ControlMessage.Request, lab: Lab, options: LabOptions) async throws -> ControlMessage.Reply? {
        let directory = options.store.directory
        guard let serving = ServingLab.running(in: directory, lab: lab.name) else { return nil }
        do {
            return try await ControlClient.send(request, socket: directory.controlSocket)
        } catch {
            Console.error("pkilab up is running (pid \(serving.pid)) but its control socket does not answer: \(error)",
                          hint: "restart pkilab up; it listens on \(Console.path(directory.controlSocket)) when the lab has aws_iot:")
            throw ExitCode(ExitStatus.unavailable)
        }
    }

    /// Changes the twin's saved state offline, under the store's lock.
    static func changeOffline<T>(_ options: LabOptions, _ change: (inout AWSIoTState) throws -> T) throws -> T {
        let store = options.store
        try FileBatch.makeFolder(store.directory.path)
        let lock = try StoreLock(path: store.directory.lockFile)
        defer { withExtendedLifetime(lock) {} }
        var state = try store.awsIoTState()
        let result = try change(&state)
        try store.saveAWSIoTState(state)
        return result
    }

    /// A shadow update or delete, online or offline; prints what happened and the replies.
    static func shadowRequest(_ operation: ShadowOperation, shadow: ShadowTarget, payload: String, lab: Lab, options: LabOptions) async throws {
        let request = ControlMessage.Request(op: "shadow", thing: shadow.thing, shadow: shadow.shadow, operation: operation.rawValue, payload: payload)
        if let reply = try await sendIfRunning(request, lab: lab, options: options) {
            for message in reply.published { Console.out("\(message.topic)  \(message.payload)") }
            guard reply.ok else {
                Console.error(reply.summary)
                throw ExitCode(ExitStatus.verificationFailed)
            }
            Console.err(reply.summary)
            return
        }
        let outcome = try changeOffline(options) { state in
            state.shadows.handle(shadow.target, operation, payload: Array(payload.utf8), now: Int64(Date().timeIntervalSince1970))
        }
        for message in outcome.messages { Console.out("\(message.topic)  \(String(decoding: message.payload, as: UTF8.self))") }
        guard outcome.errorCode == nil else {
            Console.error(outcome.summary)
            throw ExitCode(ExitStatus.verificationFailed)
        }
        Console.err(outcome.summary + " (no lab running: saved in \(Console.path(options.store.directory.awsIoTState)); a device sees it at its next shadow/get)")
    }
}
