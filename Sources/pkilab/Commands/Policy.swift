import AWSIoT
import ArgumentParser
import Foundation
import MQTTBroker
import PKILab
import PKILabEndpoints

struct Policy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Ask AWS IoT policy documents what they allow, offline.",
        discussion: """
            The AWS IoT twin (aws_iot: in lab.yaml) enforces policy documents as AWS IoT Core does. pkilab policy \
            check answers for one action without connecting: allowed or denied, the resource ARN evaluated, and the \
            statement that decided. Reference: docs/aws-iot.md.
            """,
        subcommands: [PolicyCheck.self],
        defaultSubcommand: PolicyCheck.self)
}

struct PolicyCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Would AWS IoT allow IDENTITY this action? Exit 0 allowed, 1 denied.",
        discussion: """
            With FILE arguments, those policy documents are evaluated (as if attached to the certificate); without, \
            the policies attached to IDENTITY under aws_iot.certificates. The client id defaults to the thing \
            IDENTITY's certificate is attached to (or IDENTITY), whose attributes fill the thing variables.
            Examples:
              pkilab policy check aws/device-policy.json --as device-001 --action publish --topic devices/device-001/temp
              pkilab policy check --as device-001 --action subscribe --topic 'devices/#'
              pkilab policy check --as device-002 --action connect --client-id device-001
            """)

    @OptionGroup var options: LabOptions

    @Argument(help: "AWS IoT policy documents (JSON); default: those attached to IDENTITY in lab.yaml.")
    var files: [String] = []

    @Option(name: .customLong("as"), help: "The lab certificate (identity) making the request.")
    var identity: String

    @Option(help: "connect, publish, receive, subscribe, retain-publish, or any iot:Action name.")
    var action: String

    @Option(help: "The topic (publish, receive, retain-publish) or topic filter (subscribe).")
    var topic: String?

    @Option(help: "The client id (default: the thing the certificate is attached to, else IDENTITY).")
    var clientID: String?

    @Option(help: "The thing name for shadow and job actions (default: the client id).")
    var thing: String?

    @Option(name: .customLong("connect-attribute"), help: "iot:ConnectAttributes of the CONNECT: PersistentConnect, LastWill (repeatable).")
    var connectAttributes: [String] = []

    @Option(help: "The device's address, for aws:SourceIp.")
    var sourceIP: String = "127.0.0.1"

    @Flag(help: "Print the decision as JSON.")
    var json = false

    func run() async throws {
        try reportingErrors {
            let lab = try options.loadLab()
            guard let iotAction = Self.action(named: action) else {
                Console.error("\"\(action)\" is not an AWS IoT action", hint: "use connect, publish, receive, subscribe, retain-publish, or one of: "
                              + IoTAction.allCases.map(\.rawValue).joined(separator: ", "))
                throw ExitCode(ExitStatus.usage)
            }
            guard lab.certificates.contains(where: { $0.name == identity && $0.role != .server }) else {
                Console.error("there is no client certificate named \"\(identity)\" in \(lab.file)",
                              hint: "name one of: " + lab.certificates.filter { $0.role != .server }.map(\.name).joined(separator: ", "))
                throw ExitCode(ExitStatus.notFound)
            }
            let spec = lab.awsIoT ?? AWSIoTSpec()
            var documents: [IoTPolicyDocument] = []
            for file in files {
                guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                    Console.error("cannot read the policy file \"\(file)\"", hint: "give the path of a JSON policy document")
                    throw ExitCode(ExitStatus.notFound)
                }
                do throws(IoTPolicyError) {
                    documents.append(try IoTPolicyDocument(parsing: text, name: (file as NSString).lastPathComponent, file: file))
                } catch {
                    Console.error(error.description)
                    throw ExitCode(ExitStatus.invalidLab)
                }
            }
            if files.isEmpty {
                documents = spec.policies(of: identity)
                if lab.awsIoT == nil {
                    Console.error("\(lab.file) has no aws_iot: section, so no policy is attached to \(identity)",
                                  hint: "name the policy files: pkilab policy check FILE --as \(identity) …, or add aws_iot: (docs/aws-iot.md)")
                    throw ExitCode(ExitStatus.usage)
                }
            }
            let certificate = try IoTTwinFactory.certificateContext(of: identity, in: options.store)
            let attached = spec.things(attachedTo: identity)
            let clientID = clientID ?? attached.first?.name ?? identity
            var context = IoTRequestContext(clientID: clientID, certificate: certificate, sourceIP: sourceIP, connectAttributes: Set(connectAttributes))
            if let thing = spec.things.first(where: { $0.name == clientID }) {
                context.thing = IoTRequestContext.Thing(name: thing.name, typeName: thing.typeName, attributes: thing.attributes,
                                                        isAttached: thing.certificates.contains(identity))
            }
            let target: String
            switch iotAction.resourceType {
            case "client": target = clientID
            case "thing": target = thing ?? clientID
            case "*": target = "*"
            default:
                guard let topic else {
                    Console.error("\(iotAction.rawValue) needs --topic", hint: "e.g. --topic devices/\(clientID)/temp")
                    throw ExitCode(ExitStatus.usage)
                }
                target = topic
            }
            let evaluator = IoTPolicyEvaluator(policies: documents, region: spec.region, account: spec.account)
            let decision = evaluator.evaluate(iotAction, target: target, context: context)
            if json {
                Console.json(Report(allowed: decision.allowed, action: decision.action.rawValue, resource: decision.resource,
                                    statement: decision.statement?.description, explanation: decision.explanation,
                                    unresolvedVariables: decision.unresolvedVariables, clientID: clientID, thing: context.thing?.name,
                                    policies: documents.map(\.name)))
            } else {
                Console.out((decision.allowed ? "ALLOWED  " : "DENIED   ") + decision.explanation)
                Console.out("  as \(identity) (certificate \(certificate.id.prefix(12))…), client id \(clientID)"
                            + (context.thing.map { ", thing \($0.name)" + ($0.isAttached ? "" : " (certificate not attached)") } ?? ", no thing")
                            + "; policies: " + (documents.isEmpty ? "none" : documents.map(\.name).joined(separator: ", ")))
            }
            if !decision.allowed { throw ExitCode(ExitStatus.verificationFailed) }
        }
    }

    struct Report: Encodable {
        var allowed: Bool
        var action: String
        var resource: String
        var statement: String?
        var explanation: String
        var unresolvedVariables: [String]
        var clientID: String
        var thing: String?
        var policies: [String]
    }

    /// `publish`, `retain-publish`, `iot:Publish`, `Publish` → the action.
    static func action(named name: String) -> IoTAction? {
        let key = name.lowercased().replacingOccurrences(of: "-", with: "").replacingOccurrences(of: "_", with: "")
        return IoTAction.allCases.first { action in
            let bare = action.rawValue.dropFirst(4).lowercased()
            return key == bare || key == action.rawValue.lowercased()
        }
    }
}
