/// `pkilab export` found files in the export folder that it did not write (or that were changed since it wrote
/// them) and would have to replace: it wrote nothing. `--force` overwrites them.
public struct ExportOverwriteRefusal: Error, Sendable, Equatable {
    /// The export folder.
    public var folder: String
    /// The files, relative to `folder`.
    public var files: [String]

    public var message: String {
        "pkilab export wrote nothing into \"\(DisplayPath.relative(folder))\": \(files.count == 1 ? "this file was" : "these files were") not written by pkilab (or changed since): \(files.joined(separator: ", "))"
    }

    public var hint: String {
        "move \(files.count == 1 ? "it" : "them") away or export to another --out folder; --force overwrites \(files.count == 1 ? "it" : "them")"
    }
}
