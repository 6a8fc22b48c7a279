/// A position in a lab file, and the key path that leads to it.
///
/// Every error about `lab.yaml` carries one, so a person can jump straight to the
/// offending line: `lab.yaml:14:9: certificates.server.names[2]`.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file as the user named it (for example `lab.yaml`).
    public var file: String
    /// 1-based line, or 0 when unknown.
    public var line: Int
    /// 1-based column, or 0 when unknown.
    public var column: Int
    /// The dotted key path, for example `certificates.server.names[2]`; empty for the document itself.
    public var keyPath: String

    public init(file: String, line: Int, column: Int, keyPath: String) {
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
    }

    public var description: String {
        let position = line > 0 ? "\(file):\(line):\(column)" : file
        return keyPath.isEmpty ? position : "\(position): \(keyPath)"
    }
}
