import ArgumentParser
import Foundation
import PKILab

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a certificate against the lab's authorities and say in one sentence why it fails.",
        discussion: "Exit code 0 when it is valid, 1 when it is not.")

    @OptionGroup var options: LabOptions

    @Argument(help: "A certificate file (PEM, may hold the chain after the leaf; or DER), or a name from the lab.")
    var certificate: String

    @Option(help: "The DNS name or IP address a client would dial.")
    var host: String?

    @Option(help: "What it must be valid for: server or client.")
    var purpose: ChainVerifier.Purpose?

    @Flag(help: "Print the verdict as JSON.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let lab = try options.loadLab()
            let store = try options.openStore(for: lab)
            let argument = try CertificateArgument(certificate, lab: lab, store: store)
            let verdict = await store.verifier(for: lab).verify(
                argument.certificates[0], presented: Array(argument.certificates.dropFirst()), host: host, purpose: purpose)
            if json {
                Console.json(verdict)
            } else if verdict.valid {
                Console.out(TerminalText.escaped(verdict.message) + Console.symbol("✅"))
            } else {
                // The verdict quotes the certificate's subject, which may come from anywhere.
                Console.out(TerminalText.escaped(verdict.message) + Console.symbol("❌"))
                if let hint = verdict.hint { Console.out("  \(TerminalText.escaped(hint))") }
            }
            if !verdict.valid { throw ExitCode(ExitStatus.verificationFailed) }
        }
    }
}

extension ChainVerifier.Purpose: ExpressibleByArgument {}
