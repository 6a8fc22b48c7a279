import Foundation
import PKILab
import PKILabTestSupport
import Testing

@Suite("pkilab run: a throw-away lab on free ports around a command, PKILAB_* variables, a summary, --fail-on", .timeLimit(.minutes(3)))
struct RunCommandTests {
    /// A device test as a CI job writes it: curl with the identity's files from the variables, then without a certificate.
    static let deviceTest = """
        #!/bin/sh
        set -eu
        echo "dir=$PKILAB_DIR" > "$1"
        curl -sS --max-time 10 --cacert "$PKILAB_CA" --cert "$PKILAB_DEVICE_001_FULLCHAIN" --key "$PKILAB_DEVICE_001_KEY" "${PKILAB_HTTPS_URL}whoami" >> "$1"
        echo "port=$PKILAB_ECHO_PORT endpoints=$PKILAB_ENDPOINTS" >> "$1"
        if [ "${WITHOUT_CERT:-}" = 1 ]; then curl -sS --max-time 10 --cacert "$PKILAB_CA" "${PKILAB_HTTPS_URL}whoami" || true; fi
        exit "${STATUS:-0}"
        """

    private func scratch() throws -> Scratch {
        let scratch = try Scratch(lab: Scratch.lab())
        try scratch.write("device-test.sh", Self.deviceTest)
        chmod("\(scratch.path)/device-test.sh", 0o755)
        return scratch
    }

    @Test("the command reaches the lab with the variables' files over mutual TLS; its status is pkilab run's; the store is gone afterwards")
    func runsTheCommand() throws {
        let scratch = try scratch()
        defer { scratch.remove() }
        let out = "\(scratch.path)/out.txt"
        let run = try Pkilab.run(["run", "--", "./device-test.sh", out], in: scratch.path)
        #expect(run.status == 0, "\(run)")
        let written = scratch.read("out.txt") ?? ""
        #expect(written.contains("\"commonName\" : \"device-001\""), "the command's curl got /whoami over mutual TLS: \(written)")
        let dir = written.split(separator: "\n").first.map { String($0.dropFirst("dir=".count)) } ?? ""
        #expect(dir.contains("pkilab-run-") && !FileManager.default.fileExists(atPath: dir), "a throw-away store, removed after the run: \(dir)")
        #expect(!written.contains("port=7443") && written.contains("endpoints=echo"), "free ports, not lab.yaml's: \(written)")
        #expect(!scratch.exists("ca"), "nothing was written beside the lab file")
        #expect(run.stderr.contains("exited with 0") && run.stderr.contains("1 accepted, 0 refused"), "\(run)")

        let failing = try Pkilab.run(["run", "--", "./device-test.sh", out], in: scratch.path, environment: ["STATUS": "7"])
        #expect(failing.status == 7, "the command's status: \(failing)")
    }

    @Test("--fail-on rejected turns a refused connection into exit 1, with the reason's words in the summary")
    func failOnRejected() throws {
        let scratch = try scratch()
        defer { scratch.remove() }
        let out = "\(scratch.path)/out.txt"
        let lenient = try Pkilab.run(["run", "--", "./device-test.sh", out], in: scratch.path, environment: ["WITHOUT_CERT": "1"])
        #expect(lenient.status == 0 && lenient.stderr.contains("[no_client_certificate]"), "\(lenient)")
        let strict = try Pkilab.run(["run", "--fail-on", "rejected", "--", "./device-test.sh", out], in: scratch.path, environment: ["WITHOUT_CERT": "1"])
        #expect(strict.status == 1, "\(strict)")
        #expect(strict.stderr.contains("1× [no_client_certificate] on https: the client sent no certificate"), "\(strict)")
        #expect(strict.stderr.contains("Failed check --fail-on rejected"), "\(strict)")
        let reason = try Pkilab.run(["run", "--fail-on", "reason:no_client_certificate", "--", "./device-test.sh", out], in: scratch.path,
                                    environment: ["WITHOUT_CERT": "1"])
        #expect(reason.status == 1, "\(reason)")
        let nothing = try Pkilab.run(["run", "--fail-on", "no-connections", "--", "true"], in: scratch.path)
        #expect(nothing.status == 1 && nothing.stderr.contains("nothing connected"), "\(nothing)")
    }

    @Test("--zoo with --fail-on zoo: a device that never met the zoo fails, and the report is printed")
    func failOnZoo() throws {
        let scratch = try scratch()
        defer { scratch.remove() }
        let run = try Pkilab.run(["run", "--zoo", "--fail-on", "zoo", "--", "sh", "-c", "test -n \"$PKILAB_ZOO_EXPIRED_PORT\""], in: scratch.path)
        #expect(run.status == 1, "\(run)")
        #expect(run.stderr.contains("Zoo: no connection reached the zoo"), "\(run)")
    }

    @Test("SIGTERM to pkilab run reaches the command (signals the lab ignores are back at their defaults for it); the status is 128 + 15")
    func forwardsStop() throws {
        let scratch = try scratch()
        defer { scratch.remove() }
        let run = try Background(Pkilab.binary, ["run", "--", "sleep", "30"], cwd: scratch.path)
        defer { if run.process.isRunning { run.process.terminate() } }
        #expect(run.waitForLine { $0.contains("running: sleep 30") }, "\(run.lines)")
        usleep(200_000)
        kill(run.process.processIdentifier, SIGTERM)
        #expect(run.wait(timeout: 15) == 143, "\(run.lines)")
        #expect(run.lines.contains { $0.contains("\"sleep 30\" exited with 143") }, "\(run.lines)")
    }

    @Test("a lab that cannot start: its error and exit code, and the command is not run; a wrong usage is refused early")
    func labFails() throws {
        let scratch = try scratch()
        defer { scratch.remove() }
        let missing = try Pkilab.run(["run", "--", "./no-such-program"], in: scratch.path)
        #expect(missing.status == 66 && missing.stderr.contains("could not run \"./no-such-program\""), "\(missing)")
        try scratch.write("lab.yaml", Scratch.lab() + "\nnonsense_key: 1\n")
        let run = try Pkilab.run(["run", "--", "touch", "ran"], in: scratch.path)
        #expect(run.status == 65 && run.stderr.contains("lab.yaml:"), "\(run)")
        #expect(!scratch.exists("ran"), "the command did not run")
        let noCommand = try Pkilab.run(["run"], in: scratch.path)
        #expect(noCommand.status == 64 && noCommand.stderr.contains("after --"), "\(noCommand)")
        let badCheck = try Pkilab.run(["run", "--fail-on", "sometimes", "--", "true"], in: scratch.path)
        #expect(badCheck.status == 64, "\(badCheck)")
    }
}
