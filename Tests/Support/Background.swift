import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A program running beside the test (a subscriber), whose output the test watches; always stopped at the end.
public final class Background: @unchecked Sendable {
    public let process = Process()
    public let output = DataBox()

    public init(_ executable: String, _ arguments: [String], cwd: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: cwd)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let output = self.output
        pipe.fileHandleForReading.readabilityHandler = { output.append($0.availableData) }
        try process.run()
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
        if process.isRunning { kill(process.processIdentifier, signal) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
