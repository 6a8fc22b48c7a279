import ArgumentParser
import Foundation
import PKILab

struct Revoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a certificate: its authority's CRL (ca/crl/) lists it, and the lab's endpoints refuse it from the next connection.",
        discussion: """
            NAME is a certificate of the lab, a fleet member or an intermediate authority. The CRL is re-signed \
            with the next CRL number, in DER (ca/crl/AUTHORITY.crl) and PEM, and ca/crl/all.pem holds every list \
            (Mosquitto crlfile, nginx ssl_crl, curl --crlfile). Running endpoints read it on the next handshake; \
            the crl endpoint serves it. Revoking what is already revoked changes nothing (exit 0).
            """)

    @OptionGroup var options: LabOptions

    @Argument(help: "The certificate to revoke (a name from lab.yaml, a fleet member, or an intermediate).")
    var name: String

    @Option(help: ArgumentHelp("Why: \(RevocationReason.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "reason"))
    var reason: String = RevocationReason.unspecified.rawValue

    func run() async throws {
        try reportingErrors {
            guard let reason = RevocationReason(parsing: reason) else {
                Console.error("\"\(reason)\" is not a revocation reason", hint: "use one of \(RevocationReason.allCases.map(\.rawValue).joined(separator: ", "))")
                throw ExitCode(ExitStatus.usage)
            }
            let lab = try options.loadLab()
            if lab.authority(named: name)?.isRoot == true {
                Console.error("\"\(name)\" is a root: no authority above it signs a CRL that could list it",
                              hint: "to stop trusting it, remove it from the devices' trust store (or replace it: a new subject in lab.yaml, then pkilab issue --force)")
                throw ExitCode(ExitStatus.usage)
            }
            let change = try options.store.revoke(name, reason: reason, in: lab)
            for repair in change.repairs { Console.err("Note: \(repair).") }
            if !change.changed && change.repairedList {
                Console.out("\"\(name)\" (serial \(change.serial)) was already revoked in the ledger, but the CRL files did not all list it: \"\(change.authority)\"'s CRL number \(change.crlNumber) lists it now.")
                return
            }
            guard change.changed else {
                Console.out("\"\(name)\" (serial \(change.serial)) is already revoked since \(LabDate.humanWithTime(change.revokedAt ?? Date()))" +
                            " (\(change.reason?.rawValue ?? "unspecified")); nothing changed.")
                return
            }
            Console.out("Revoked \"\(name)\" (serial \(change.serial), \(reason.rawValue)): \"\(change.authority)\"'s CRL number \(change.crlNumber) lists it.")
            Console.out("  CRL:  \(Console.path(change.crlPath)) (DER), .crl.pem beside it, and \(Console.path(options.store.directory.crlBundle))")
            Console.out("  Running endpoints refuse it from the next connection (reason \"revoked\"); undo with pkilab unrevoke \(name).")
        }
    }
}

struct Unrevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unrevoke",
        abstract: "Lift a revocation made with pkilab revoke (labs only: real CAs never do this) and re-sign the CRL.")

    @OptionGroup var options: LabOptions

    @Argument(help: "The certificate whose revocation to lift.")
    var name: String

    func run() async throws {
        try reportingErrors {
            let lab = try options.loadLab()
            let change = try options.store.unrevoke(name, in: lab)
            for repair in change.repairs { Console.err("Note: \(repair).") }
            if !change.changed && change.repairedList {
                Console.out("\"\(name)\" (serial \(change.serial)) was not revoked in the ledger, but the CRL files still listed it: \"\(change.authority)\"'s CRL number \(change.crlNumber) leaves it out now.")
                return
            }
            guard change.changed else {
                Console.out("\"\(name)\" (serial \(change.serial)) is not revoked; nothing changed.")
                return
            }
            Console.out("\"\(name)\" (serial \(change.serial)) is no longer revoked: \"\(change.authority)\"'s CRL number \(change.crlNumber) leaves it out.")
        }
    }
}
