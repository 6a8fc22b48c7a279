import Foundation
import Yams

/// Reads `lab.yaml` into a validated ``Lab``, or throws a ``LabFileError`` naming file, line, column and key.
///
/// The file is walked as a YAML node tree rather than decoded with `Codable`, so that every problem (an
/// unknown key, a wrong type, a bad name, an unknown issuer) can point at the exact place it was written.
public struct LabFileReader: Sendable {
    /// The file name used in messages, as the user would type it.
    public var displayName: String
    /// What `auto` expands to; replaceable in tests.
    public var autoNames: @Sendable () -> [String]

    public init(displayName: String = "lab.yaml", autoNames: @escaping @Sendable () -> [String] = HostNames.auto) {
        self.displayName = displayName
        self.autoNames = autoNames
    }

    /// Reads and validates the lab file at `path`.
    public func read(path: String) throws(LabFileError) -> Lab {
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw LabFileError(
                .fileNotFound, at: SourceLocation(file: displayName, line: 0, column: 0, keyPath: ""),
                exists ? "cannot read \"\(path)\"" : "there is no lab file at \"\(path)\"",
                hint: exists ? "check its permissions" : "run \"pkilab init\" to write a starter lab.yaml, or pass --lab FILE")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw LabFileError(.syntax, at: SourceLocation(file: displayName, line: 1, column: 1, keyPath: ""),
                               "the file is not UTF-8 text", hint: "save it as UTF-8")
        }
        return try parse(text)
    }

    /// Parses and validates lab text.
    public func parse(_ text: String) throws(LabFileError) -> Lab {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw LabFileError(.missingKey, at: location(line: 1, column: 1, path: []),
                                   "the lab file is empty", hint: "run \"pkilab init\" to write a starter lab.yaml")
            }
            root = node
        } catch let error as LabFileError {
            throw error
        } catch {
            throw syntaxError(error)
        }
        var builder = LabBuilder(reader: self)
        return try builder.build(root)
    }

    func location(line: Int, column: Int, path: [KeyPathComponent]) -> SourceLocation {
        SourceLocation(file: displayName, line: line, column: column, keyPath: KeyPathComponent.render(path))
    }

    func location(of node: Node, path: [KeyPathComponent]) -> SourceLocation {
        location(line: node.mark?.line ?? 0, column: node.mark?.column ?? 0, path: path)
    }

    private func syntaxError(_ error: any Error) -> LabFileError {
        let hint = "check the indentation and quoting near that line; a value with \": \" or a leading \"*\" needs quotes"
        switch error as? YamlError {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return LabFileError(.syntax, at: location(line: mark.line, column: mark.column, path: []),
                                "YAML syntax error: \(problem)", hint: hint)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            return LabFileError(.duplicateKey, at: location(line: context.mark.line, column: context.mark.column, path: []),
                                "the key \(names) is given more than once in the same mapping",
                                hint: "keep one of them; YAML would silently use the last")
        case .reader(let problem, _, _, _):
            return LabFileError(.syntax, at: location(line: 0, column: 0, path: []), "cannot read the file: \(problem)", hint: hint)
        default:
            return LabFileError(.syntax, at: location(line: 0, column: 0, path: []), "cannot parse the file: \(error)", hint: hint)
        }
    }
}

/// One step in a key path: a mapping key or a list index.
enum KeyPathComponent: Sendable, Hashable {
    case key(String)
    case index(Int)

    static func render(_ path: [KeyPathComponent]) -> String {
        var text = ""
        for component in path {
            switch component {
            case .key(let key): text += text.isEmpty ? key : ".\(key)"
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }
}
