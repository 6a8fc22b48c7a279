/// Why ``Exporter/write(_:format:material:options:to:force:adoptingUnlisted:)`` wrote nothing.
public enum ExportWriteError: Error, Sendable {
    /// The folder could not be written.
    case store(StoreError)
    /// Files there were not written by pkilab (or were changed since); `--force` overwrites them.
    case refused(ExportOverwriteRefusal)
}
