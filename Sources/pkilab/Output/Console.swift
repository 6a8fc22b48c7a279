import Foundation
import PKILab
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The only place that writes to the terminal. Symbols and colour only when stderr/stdout is a terminal and
/// `NO_COLOR` is not set.
///
/// Everything printed passes through ``TerminalText`` (line feeds kept): whatever a printer forgot to escape
/// field by field, no control character from a certificate, client id or topic reaches the terminal raw. The
/// only escape sequences written are ``bold(_:)``'s own.
enum Console {
    static let stdoutIsTerminal = isatty(STDOUT_FILENO) == 1
    static let stderrIsTerminal = isatty(STDERR_FILENO) == 1
    static let decorate = stdoutIsTerminal && ProcessInfo.processInfo.environment["NO_COLOR"] == nil

    /// Prints a line and flushes, so `pkilab up`'s lines reach a pipe (CI waiting for "ready") at once.
    static func out(_ text: String = "") {
        print(terminalSafe(text))
        fflush(nil)
    }

    /// Writes a line to stderr. Never `FileHandle.write`, which traps (SIGILL) when the write fails, for example
    /// when whoever read stderr has gone (EPIPE) as `pkilab up` is being stopped: a failed write here is dropped.
    static func err(_ text: String) {
        writeError(terminalSafe(text) + "\n")
    }

    /// `write(2)` to stderr until all is written or it fails.
    static func writeError(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }

    private static let boldOn = "\u{1B}[1m", boldOff = "\u{1B}[0m"

    /// `text` with every control character escaped except line feeds and ``bold(_:)``'s two sequences.
    static func terminalSafe(_ text: String) -> String {
        guard decorate, text.contains("\u{1B}") else { return TerminalText.escaped(text, keepingNewlines: true) }
        return text.components(separatedBy: boldOn).map { part in
            part.components(separatedBy: boldOff).map { TerminalText.escaped($0, keepingNewlines: true) }.joined(separator: boldOff)
        }.joined(separator: boldOn)
    }

    /// `Error: what happened` and, indented below it, what to do.
    static func error(_ message: String, hint: String? = nil) {
        var text = "Error: \(message)"
        if let hint { text += "\n  \(hint)" }
        err(text)
    }

    static func symbol(_ glyph: String) -> String { decorate ? " \(glyph)" : "" }

    /// `text` in bold on a terminal; its own control characters are escaped first.
    static func bold(_ text: String) -> String {
        decorate ? "\(boldOn)\(TerminalText.escaped(text, keepingNewlines: true))\(boldOff)" : text
    }

    /// Prints JSON of a value to stdout, sorted and pretty.
    static func json(_ value: some Encodable) {
        if let data = try? LabJSON.encoder(pretty: true).encode(value) { print(terminalSafe(String(decoding: data, as: UTF8.self))) }
    }

    /// A path as the user would type it: relative to the working folder when inside it.
    static func path(_ path: String) -> String {
        DisplayPath.relative(path)
    }

    /// A progress bar on stderr, drawn only on a terminal.
    final class Progress: @unchecked Sendable {
        private let lock = NSLock()
        private var last = -1
        private let label: String

        init(label: String) { self.label = label }

        func update(_ done: Int, _ total: Int) {
            guard Console.stderrIsTerminal, total > 0 else { return }
            let percent = done * 100 / total
            lock.lock()
            defer { lock.unlock() }
            guard percent != last else { return }
            last = percent
            let width = 30, filled = width * done / total
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            Console.writeError("\r\(label) \(bar) \(done)/\(total)" + (done == total ? "\n" : ""))
        }
    }

    /// Prints rows as aligned columns on stdout, the first row (the header) in bold.
    static func table(_ cells: [[String]]) {
        for (index, line) in tableLines(cells).enumerated() { out(index == 0 ? bold(line) : line) }
    }

    /// Hands rows as aligned columns to `write`, one line each.
    static func table(_ cells: [[String]], write: (String) -> Void) {
        tableLines(cells).forEach(write)
    }

    private static func tableLines(_ cells: [[String]]) -> [String] {
        let rows = cells.map { $0.map { TerminalText.escaped($0) } }
        guard let header = rows.first else { return [] }
        let widths = (0..<header.count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
    }
}
