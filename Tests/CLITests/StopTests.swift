import Foundation
import PKILabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `pkilab up` stops cleanly even when whoever read its output has gone.
@Suite("pkilab up: stopping with its output closed", .timeLimit(.minutes(2)))
struct StopTests {
    @Test("SIGTERM after the reader of stdout/stderr closed (at once after ready, or a second later): exit 0, no SIGILL from a failed write",
          arguments: [0, 1])
    func closedOutput(delay: UInt32) throws {
        let scratch = try Scratch(lab: Scratch.lab())
        defer { scratch.remove() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Pkilab.binary)
        process.arguments = ["up", "--echo-port", "0", "--https-port", "0", "--mqtt-port", "0", "--port", "crl=0", "--port", "sntp=0"]
        process.currentDirectoryURL = URL(fileURLWithPath: scratch.path)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        var seen = Data()
        let deadline = Date().addingTimeInterval(60)
        while !String(decoding: seen, as: UTF8.self).contains("\nready "), Date() < deadline, process.isRunning {
            seen.append(pipe.fileHandleForReading.availableData)
        }
        #expect(String(decoding: seen, as: UTF8.self).contains("\nready "))
        // Nobody reads its output any more: the next write gets EPIPE.
        try pipe.fileHandleForReading.close()
        sleep(delay)
        kill(process.processIdentifier, SIGTERM)
        let stop = Date().addingTimeInterval(20)
        while process.isRunning && Date() < stop { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0,
                "ended by \(process.terminationReason == .exit ? "exit" : "signal") \(process.terminationStatus)")
    }
}
