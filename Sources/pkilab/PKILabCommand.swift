import ArgumentParser
import PKILab

@main
struct PKILabCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pkilab",
        abstract: "A private mutual-TLS lab on this machine: root, intermediate, server and client certificates from one lab.yaml.",
        discussion: """
            Exit codes: 0 success (also "nothing to do"); 1 a certificate did not verify (or a pkilab run --fail-on check failed); 64 wrong command-line \
            usage; 65 lab.yaml is invalid; 66 a file or name was not found; 69 an endpoint could not start; 70 internal error; 73 ca/ could not be \
            written (nothing was lost); 75 another run held the store's lock too long; 78 refused to replace an \
            authority (use --force).
            """,
        version: "0.1.0",
        subcommands: [Init.self, Issue.self, Up.self, Run.self, Wait.self, Events.self, Fleet.self, List.self, Show.self, Verify.self, Export.self, Probe.self, Revoke.self, Unrevoke.self, Zoo.self, OTA.self, Policy.self, Shadow.self, Job.self]
    )
}
