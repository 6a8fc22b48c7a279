import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where `pkilab export NAME --format p12 --password SOURCE` takes the password from, with the sources
/// `openssl pkcs12 -passin/-passout` takes, so a password need not appear in the process list
/// (`/proc/PID/cmdline`, `ps`):
///
/// - `pass:TEXT`: the text itself (visible to other users while pkilab runs, as with openssl);
/// - `env:VAR`: the environment variable VAR;
/// - `file:PATH`: the first line of the file PATH;
/// - `fd:N`: the first line read from file descriptor N;
/// - `stdin` or `-`: the first line of standard input.
///
/// Text without one of these prefixes is taken as the password itself (as before), and ``isOnCommandLine``
/// says so, so the command can warn.
public enum PasswordSource: Sendable, Hashable {
    case text(String, prefixed: Bool)
    case environment(String)
    case file(String)
    case descriptor(Int32)
    case standardInput

    /// Why a password could not be had: a usage problem (exit 64), with what to do.
    public struct Failure: Error, Sendable, Hashable {
        public var message: String
        public var hint: String
    }

    public init(parsing argument: String) throws(Failure) {
        func rest(_ prefix: String) -> String? { argument.hasPrefix(prefix) ? String(argument.dropFirst(prefix.count)) : nil }
        if argument == "stdin" || argument == "-" {
            self = .standardInput
        } else if let text = rest("pass:") {
            self = .text(text, prefixed: true)
        } else if let name = rest("env:") {
            guard !name.isEmpty else { throw Failure(message: "--password env: names no variable", hint: Self.usage) }
            self = .environment(name)
        } else if let path = rest("file:") {
            guard !path.isEmpty else { throw Failure(message: "--password file: names no file", hint: Self.usage) }
            self = .file(path)
        } else if let number = rest("fd:") {
            guard let fd = Int32(number), fd >= 0 else { throw Failure(message: "--password fd:\(number) is not a file descriptor number", hint: Self.usage) }
            self = .descriptor(fd)
        } else {
            self = .text(argument, prefixed: false)
        }
    }

    static let usage = "give it as pass:TEXT, env:VAR, file:PATH, fd:N or stdin (as openssl pkcs12 -passout takes it)"

    /// The password was written out on the command line (`pass:` or bare), where other users can read it.
    public var isOnCommandLine: Bool {
        if case .text = self { return true }
        return false
    }

    /// Reads the password from its source.
    public func read(environment: [String: String] = ProcessInfo.processInfo.environment) throws(Failure) -> String {
        switch self {
        case .text(let text, _):
            return text
        case .environment(let name):
            guard let value = environment[name] else {
                throw Failure(message: "the environment variable \(name) (from --password env:\(name)) is not set",
                              hint: "export \(name)=… first, or \(Self.usage)")
            }
            return value
        case .file(let path):
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                let reason = String(cString: strerror(errno))
                throw Failure(message: "cannot read the password file \"\(path)\" (from --password file:\(path)): \(reason)",
                              hint: "check the path, or \(Self.usage)")
            }
            defer { close(fd) }
            return try Self.firstLine(of: fd, source: "the file \"\(path)\"")
        case .descriptor(let fd):
            return try Self.firstLine(of: fd, source: "file descriptor \(fd)")
        case .standardInput:
            return try Self.firstLine(of: STDIN_FILENO, source: "standard input")
        }
    }

    /// The first line of what `fd` holds (without its line break, and without a `\r` before it), read a byte
    /// at a time so nothing after it is consumed, as openssl reads `fd:` and `stdin`.
    static func firstLine(of fd: Int32, source: String) throws(Failure) -> String {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        var sawAnything = false
        while true {
            #if canImport(Glibc)
            let count = Glibc.read(fd, &byte, 1)
            #else
            let count = Darwin.read(fd, &byte, 1)
            #endif
            if count < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                throw Failure(message: "cannot read the password from \(source): \(reason)", hint: Self.usage)
            }
            if count == 0 { break }
            sawAnything = true
            if byte == 0x0A { break }
            bytes.append(byte)
            guard bytes.count <= 1024 else {
                throw Failure(message: "the first line of \(source) is over 1024 bytes: not a password", hint: Self.usage)
            }
        }
        guard sawAnything else {
            throw Failure(message: "\(source) holds no password (it is empty)", hint: "write the password into it, or \(Self.usage)")
        }
        if bytes.last == 0x0D { bytes.removeLast() }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw Failure(message: "the password from \(source) is not UTF-8 text", hint: Self.usage)
        }
        return text
    }
}
