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
    /// The folder files named in the lab (AWS IoT policy documents) are read from: the lab file's own.
    public var folder: String

    public init(displayName: String = "lab.yaml", folder: String = FileManager.default.currentDirectoryPath,
                autoNames: @escaping @Sendable () -> [String] = HostNames.auto) {
        self.displayName = displayName
        self.folder = folder
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
            throw LabTextCheck.notUTF8(Array(data), file: displayName)
        }
        var reader = self
        reader.folder = (path as NSString).deletingLastPathComponent.isEmpty ? folder : (path as NSString).deletingLastPathComponent
        return try reader.parse(text)
    }

    /// Parses and validates lab text.
    public func parse(_ text: String) throws(LabFileError) -> Lab {
        if let error = LabTextCheck.nul(in: text, file: displayName) { throw error }
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
            throw syntaxError(error, text: text)
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

    private func syntaxError(_ error: any Error, text: String) -> LabFileError {
        let hint = "check the indentation and quoting near that line; a value with \": \" or a leading \"*\" needs quotes"
        switch error as? YamlError {
        case .parser(_, let problem, let mark, _) where problem.contains("nesting level"):
            return LabTextCheck.tooDeep(line: mark.line, column: mark.column, file: displayName)
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            // libyaml's context says where the construct that went wrong began (an unclosed "[", a key without
            // its ":"), which is where the mistake usually is; the problem mark is where it noticed.
            // For unclosed brackets and quotes and for a stray "*", that start is the place to point at; for
            // indentation mistakes the problem mark is.
            if let context, ["flow", "alias", "quoted"].contains(where: context.text.contains) {
                return LabFileError(.syntax, at: location(line: context.mark.line, column: context.mark.column, path: []),
                                    "YAML syntax error: \(context.text) here, \(problem) (at line \(mark.line), column \(mark.column))", hint: hint)
            }
            if let context {
                return LabFileError(.syntax, at: location(line: mark.line, column: mark.column, path: []),
                                    "YAML syntax error: \(problem) (\(context.text) at line \(context.mark.line), column \(context.mark.column))", hint: hint)
            }
            return LabFileError(.syntax, at: location(line: mark.line, column: mark.column, path: []), "YAML syntax error: \(problem)", hint: hint)
        case .composer(let context, let problem, let mark, _):
            let message = context.map { "\($0.text), \(problem)" } ?? problem
            return LabFileError(.syntax, at: location(line: mark.line, column: mark.column, path: []), "YAML syntax error: \(message)", hint: hint)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return duplicateKeyError(key: duplicates.first ?? "", first: context.mark, text: text)
        case .reader(let problem, _, _, _):
            return LabFileError(.syntax, at: location(line: 0, column: 0, path: []), "cannot read the file: \(problem)", hint: hint)
        default:
            return LabFileError(.syntax, at: location(line: 0, column: 0, path: []), "cannot parse the file: \(error)", hint: hint)
        }
    }

    /// Yams reports only the first copy of a duplicated key. Find the second copy (the one to delete), and its key
    /// path by composing the text again with that copy renamed.
    private func duplicateKeyError(key: String, first: Mark, text: String) -> LabFileError {
        let message = "the key \"\(key)\" is given more than once in the same mapping (first at line \(first.line), column \(first.column))"
        let hint = "keep one of them; YAML would silently use the last"
        var lines = text.components(separatedBy: "\n")
        let escaped = NSRegularExpression.escapedPattern(for: key)
        guard first.line >= 1, first.line <= lines.count,
              let pattern = try? NSRegularExpression(pattern: "(^|[\\s{,])([\"']?)\(escaped)\\2\\s*:") else {
            return LabFileError(.duplicateKey, at: location(line: first.line, column: first.column, path: []), message, hint: hint)
        }
        var second: (line: Int, column: Int, range: Range<String.Index>)?
        search: for lineIndex in (first.line - 1)..<lines.count {
            let line = lines[lineIndex]
            let nsLine = line as NSString
            for match in pattern.matches(in: line, range: NSRange(location: 0, length: nsLine.length)) {
                let keyRange = match.range(at: 2).location == NSNotFound || match.range(at: 2).length == 0
                    ? NSRange(location: match.range(at: 1).location + match.range(at: 1).length, length: (key as NSString).length)
                    : NSRange(location: match.range(at: 2).location, length: (key as NSString).length + 2)
                let column = keyRange.location + 1
                if lineIndex == first.line - 1 && column <= first.column { continue }
                // Block mappings: the copy stands at the same column; flow mappings: on the same line.
                guard column == first.column || lineIndex == first.line - 1, let range = Range(keyRange, in: line) else { continue }
                second = (lineIndex + 1, column, range)
                break search
            }
        }
        guard let second else {
            return LabFileError(.duplicateKey, at: location(line: first.line, column: first.column, path: []), message, hint: hint)
        }
        let placeholder = "__pkilab_duplicate__"
        lines[second.line - 1].replaceSubrange(second.range, with: placeholder)
        var path: [KeyPathComponent] = []
        if let root = try? Yams.compose(yaml: lines.joined(separator: "\n")), let found = Self.path(to: placeholder, in: root) {
            path = Array(found.dropLast()) + [.key(key)]
        }
        return LabFileError(.duplicateKey, at: location(line: second.line, column: second.column, path: path), message, hint: hint)
    }

    private static func path(to key: String, in node: Node) -> [KeyPathComponent]? {
        switch node {
        case .mapping(let mapping):
            for (keyNode, value) in mapping {
                let name = keyNode.scalar?.string ?? ""
                if name == key { return [.key(name)] }
                if let rest = path(to: key, in: value) { return [.key(name)] + rest }
            }
        case .sequence(let sequence):
            for (index, item) in sequence.enumerated() {
                if let rest = path(to: key, in: item) { return [.index(index)] + rest }
            }
        default:
            break
        }
        return nil
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
