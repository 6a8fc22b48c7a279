import Foundation

/// What a page said on its console and the exceptions it did not catch, collected from the DevTools events
/// `Runtime.consoleAPICalled` and `Runtime.exceptionThrown` as they arrive.
final class ConsoleLog: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    private var errorMessages: [String] = []

    /// Every console message as `type: text`, oldest first.
    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return messages
    }

    /// `console.error` and failed `console.assert` messages and uncaught exceptions, oldest first.
    var errors: [String] {
        lock.lock()
        defer { lock.unlock() }
        return errorMessages
    }

    /// Files `event` if it is a console message or an uncaught exception; ignores other events.
    func record(_ event: DevToolsConnection.Event) {
        switch event.method {
        case "Runtime.consoleAPICalled":
            let type = event.params["type"] as? String ?? "log"
            let arguments = event.params["args"] as? [[String: Any]] ?? []
            let text = arguments.map(Self.describe(remoteObject:)).joined(separator: " ")
            lock.lock()
            messages.append("\(type): \(text)")
            if type == "error" || type == "assert" { errorMessages.append("console.\(type): \(text)") }
            lock.unlock()
        case "Runtime.exceptionThrown":
            guard let details = event.params["exceptionDetails"] as? [String: Any] else { return }
            let text = Self.describe(exception: details)
            lock.lock()
            errorMessages.append("uncaught: \(text)")
            lock.unlock()
        default:
            return
        }
    }

    /// A `Runtime.ExceptionDetails` as text: the thrown object's description (`Error: message` and its stack), else
    /// the details' own text (`Uncaught`), with the line and column.
    static func describe(exception details: [String: Any]) -> String {
        let thrown = details["exception"] as? [String: Any]
        let text = (thrown?["description"] as? String) ?? (thrown.map(describe(remoteObject:))) ?? (details["text"] as? String) ?? "an exception"
        guard let line = details["lineNumber"] as? Int, let column = details["columnNumber"] as? Int else { return text }
        return "\(text) (line \(line + 1), column \(column + 1))"
    }

    /// A `Runtime.RemoteObject` as a console would print it: a string as is, a value's JSON, else its description.
    static func describe(remoteObject object: [String: Any]) -> String {
        if let string = object["value"] as? String { return string }
        if let value = object["value"], JSONSerialization.isValidJSONObject([value]),
           let data = try? JSONSerialization.data(withJSONObject: [value], options: [.fragmentsAllowed]) {
            return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
        }
        return object["description"] as? String ?? object["unserializableValue"] as? String ?? (object["type"] as? String ?? "?")
    }
}
