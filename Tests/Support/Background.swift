import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A program running beside the test (a subscriber), whose output the test watches; always stopped at the end.
public final class Background: @unchecked Sendable {
    public let process = Process()
    public let output = DataBox()
    private let pipe = Pipe()

    public init(_ executable: String, _ arguments: [String], cwd: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: cwd)
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        _ = PipeReader(pipe, into: output)
    }

    public var lines: [String] { output.string.split(separator: "\n").map(String.init) }

    /// Waits (at most `timeout` seconds) until the output has a line satisfying `match`.
    @discardableResult
    public func waitForLine(timeout: TimeInterval = 15, _ match: (String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if lines.contains(where: match) { return true }
            if !process.isRunning { return lines.contains(where: match) }
            usleep(20_000)
        }
        return false
    }

    /// Waits for the program to end by itself (at most `timeout` seconds), else kills it; returns its status.
    @discardableResult
    public func wait(timeout: TimeInterval = 15) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return stop()
    }

    /// Ends it now with SIGKILL, like a device losing power. (Children of the test runner inherit its blocked
    /// SIGTERM and SIGINT, so a polite signal would not arrive.)
    @discardableResult
    public func stop(signal: Int32 = SIGKILL) -> Int32 {
        process.end(signal: signal, grace: 0)
    }

    deinit {
        process.abandon()
    }
}

extension Process {
    /// Sends `signal` if it still runs, waits up to `grace` seconds, then SIGKILL, and waits for the exit.
    /// - Returns: the exit status.
    func end(signal: Int32, grace: TimeInterval) -> Int32 {
        if isRunning {
            kill(processIdentifier, signal)
            let deadline = Date().addingTimeInterval(grace)
            while isRunning && Date() < deadline { usleep(20_000) }
            if isRunning { kill(processIdentifier, SIGKILL) }
        }
        waitUntilExit()
        return terminationStatus
    }

    /// For a deinit: kills it if it still runs.
    func abandon() {
        if isRunning { kill(processIdentifier, SIGKILL) }
    }
}
