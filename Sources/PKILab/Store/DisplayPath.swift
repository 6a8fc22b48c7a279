import Foundation

/// Paths the way a person would type them in the folder they are in.
public enum DisplayPath {
    /// `path` relative to the working folder when it lies inside it, else absolute.
    public static func relative(_ path: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath
        let absolute = path.hasPrefix("/") ? path : "\(cwd)/\(path)"
        let standard = (absolute as NSString).standardizingPath
        if standard.hasPrefix(cwd + "/") { return String(standard.dropFirst(cwd.count + 1)) }
        return standard
    }
}
