import ArgumentParser
import Foundation
import PKILab

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Explain one certificate and its chain in words.")

    @OptionGroup var options: LabOptions

    @Argument(help: "A name from the lab (device-001) or a certificate file (PEM or DER).")
    var certificate: String

    @Flag(help: "Print the explanation as JSON.")
    var json = false

    struct Output: Encodable {
        var certificate: CertificateDescription
        var chain: [CertificateDescription]
        var verdict: ChainVerdict
        var folder: String?
    }

    func run() async throws {
        try await reportingErrors {
            let lab = try options.loadLab()
            let store = try options.openStore(for: lab)
            let argument = try CertificateArgument(certificate, lab: lab, store: store)
            let leaf = argument.certificates[0]
            let description = CertificateDescription(leaf)
            let verifier = store.verifier(for: lab)
            let purpose: ChainVerifier.Purpose? = switch description.role {
            case .server?: .server
            case .client?: .client
            default: nil
            }
            let verdict = await verifier.verify(leaf, presented: Array(argument.certificates.dropFirst()), purpose: purpose)
            let chainDescriptions = verdict.chain.dropFirst().compactMap { subject in
                (verifier.intermediates + verifier.roots).first { $0.subject.description == subject }.map(CertificateDescription.init)
            }
            if json {
                Console.json(Output(certificate: description, chain: chainDescriptions, verdict: verdict, folder: argument.folder))
                return
            }
            CertificateExplainer(description: description, chain: chainDescriptions, verdict: verdict, folder: argument.folder).print()
        }
    }
}
