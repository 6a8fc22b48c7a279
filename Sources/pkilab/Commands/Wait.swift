import ArgumentParser
import Foundation
import PKILab
import PKILabEndpoints
#if canImport(Glibc)
import Glibc
#endif

struct Wait: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait",
        abstract: "Wait until pkilab up serves the lab, or say why it could not start.",
        discussion: """
            For scripts and CI after "pkilab up … &": returns 0 and prints the "ready" line (--json: the ready JSON) \
            once every endpoint listens; when pkilab up could not start, prints its error and exits with its code \
            (69 a port in use, 65 a lab.yaml mistake, …); 69 when it ended without saying why or after --timeout. \
            Give --pid $! to wait for that very process (a failure left by an earlier run is then never mistaken \
            for this one's).
            """)

    @OptionGroup var options: LabOptions

    @Option(help: ArgumentHelp("The file pkilab up --ready-file writes (default: the store's endpoints.json).", valueName: "file"))
    var readyFile: String?

    @Option(help: ArgumentHelp("The process id of that pkilab up (e.g. $!).", valueName: "pid"))
    var pid: Int32?

    @Option(help: ArgumentHelp("Read the process id from this file (what pkilab up --pid-file wrote).", valueName: "file"))
    var pidFile: String?

    @Option(help: ArgumentHelp("Give up after this many seconds.", valueName: "seconds"))
    var timeout: Double = 60

    @Flag(help: "Print the ready JSON (or the error object) on stdout.")
    var json = false

    func validate() throws {
        guard timeout > 0 && timeout <= 3600 else { throw ValidationError("Please give a --timeout from 0 to 3600 seconds.") }
        if pid != nil && pidFile != nil { throw ValidationError("Please give --pid or --pid-file, not both.") }
    }

    func run() async throws {
        try await reportingErrors {
            let path = readyFile ?? options.store.directory.readyFile
            let started = Date()
            let deadline = started.addingTimeInterval(timeout)
            var pid = self.pid
            if let pidFile {
                // The pid file appears when pkilab up starts; wait for it as for the rest.
                while pid == nil {
                    pid = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                    if pid == nil {
                        if Date() >= deadline { throw CommandFailure(ExitStatus.unavailable, "timeout", "no pid in \"\(Console.path(pidFile))\" after \(Self.seconds(timeout))", hint: "is pkilab up --pid-file \(pidFile) running?") }
                        try await Task.sleep(nanoseconds: 50_000_000)
                    }
                }
            }
            let waiter = ReadyWaiter(path: path, pid: pid) { [pid] in
                guard let pid else { return (false, nil) }
                return (!ReadyFile.isAlive(pid), nil)
            }
            switch await waiter.wait(until: deadline, startedAt: started) {
            case .ready(let ready):
                Console.out(json ? ready.json : ReadyPrinter.readyLine(ready, readyFile: path))
            case .failed(let failure):
                if json { Console.out(failure.json) }
                Console.error(failure.error.message, hint: failure.error.hint)
                throw ExitCode(failure.error.status)
            case .exited:
                throw CommandFailure(ExitStatus.unavailable, "exited", "pkilab up (pid \(pid ?? 0)) ended before it was ready, without saying why",
                                     hint: "it was killed or crashed: its output (stderr) says more")
            case .timedOut:
                throw CommandFailure(ExitStatus.unavailable, "timeout", "the lab was not ready after \(Self.seconds(timeout)): nothing in \"\(Console.path(path))\"",
                                     hint: "is pkilab up running on this store (--lab, --dir, --ready-file must match)? A large fleet takes longer: raise --timeout")
            }
        }
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
