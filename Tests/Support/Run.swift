import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The result of running a program to completion.
public struct RunResult: CustomStringConvertible, Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var timedOut: Bool

    public var description: String { "exit \(status)\(timedOut ? " (timed out)" : "")\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }
}

/// Runs programs the way a user would, with a deadline.
public enum Run {
    /// Runs `executable` (a path, or a name looked up on PATH) and waits at most `timeout` seconds.
    @discardableResult
    public static func program(_ executable: String, _ arguments: [String], cwd: String? = nil, environment: [String: String] = [:],
                        input: String? = nil, timeout: TimeInterval = 60) throws -> RunResult {
        let process = Process()
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        let outData = DataBox(), errData = DataBox()
        try process.run()
        let readers = [PipeReader(out, into: outData), PipeReader(err, into: errData)]
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try? inPipe.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                timedOut = true
                kill(process.processIdentifier, SIGKILL)
                break
            }
            usleep(5_000)
        }
        process.waitUntilExit()
        // What a program left running in the background (its own children) may hold the pipes open: wait a while.
        for reader in readers { reader.waitForEnd(timeout: timedOut ? 2 : 30) }
        return RunResult(status: process.terminationStatus, stdout: outData.string, stderr: errData.string, timedOut: timedOut)
    }

    /// Whether a program is on PATH.
    public static func available(_ name: String) -> Bool {
        (try? program("sh", ["-c", "command -v \(name)"], timeout: 10).status) == 0
    }
}

public final class DataBox: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    public init() {}
    public func append(_ more: Data) { lock.lock(); data.append(more); lock.unlock() }
    public var string: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
}
