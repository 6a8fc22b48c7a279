import ArgumentParser
import Dispatch
import PKILab

/// The entry point. Not ArgumentParser's `static func main() async`: an async `main` starts the concurrency runtime
/// before anything is parsed, and on Linux that means `dispatch_main()` parking the main thread and the work
/// running on a Dispatch worker thread, so even `pkilab --version` made threads and waited for them to be scheduled
/// (milliseconds on a loaded machine). Here the arguments are parsed on the main thread; `--version`, `--help`,
/// a usage error and every synchronous command (`issue`) finish there. An `AsyncParsableCommand` runs in a task,
/// with the main thread serving the main queue as an async `main` would.
@main
enum PKILabMain {
    static func main() {
        let command: any ParsableCommand
        do {
            command = try PKILabCommand.parseAsRoot()
        } catch {
            PKILabCommand.exit(withError: error)
        }
        guard let asynchronous = command as? any AsyncParsableCommand else {
            var synchronous = command
            do {
                try synchronous.run()
            } catch {
                PKILabCommand.exit(withError: error)
            }
            PKILabCommand.exit()
        }
        let running = AsyncCommand(command: asynchronous)
        Task {
            await running.run()
        }
        dispatchMain()
    }

    /// Carries the parsed command into its task (it is only ever used there).
    private struct AsyncCommand: @unchecked Sendable {
        var command: any AsyncParsableCommand

        func run() async -> Never {
            var command = self.command
            do {
                try await command.run()
            } catch {
                PKILabCommand.exit(withError: error)
            }
            PKILabCommand.exit()
        }
    }
}

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
        subcommands: [Init.self, Issue.self, Up.self, Run.self, Wait.self, Events.self, Fleet.self, List.self, Show.self, Verify.self, Export.self, Probe.self, Revoke.self, Unrevoke.self, Zoo.self, OTA.self, Policy.self, Shadow.self, Job.self, Workshop.self]
    )
}
