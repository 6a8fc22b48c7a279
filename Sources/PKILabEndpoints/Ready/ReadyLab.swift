import Foundation
import PKILab

/// Everything `pkilab up` resolved, once every endpoint listens.
public struct ReadyLab: Sendable, Codable {
    public var lab: String
    public var ca: String
    public var events: String
    public var endpoints: [RunningEndpoint]
    public var identities: [IdentityFiles]
    /// What the MQTT broker allows, in words (nil without an MQTT endpoint).
    public var policy: String?
    /// Things that did not go as configured but did not stop the lab (for example SNTP without permission for port 123),
    /// and one line per listener reachable from other machines, starting with ``Exposure/prefix``.
    public var notices: [String]
    /// The SNTP answers' offset from this machine's clock (`--time-offset`), and the lab's own validation clock's.
    public var timeOffset: String
    public var labClockOffset: String
    /// The process of `pkilab up` (nil in files written before it was recorded).
    public var pid: Int32? = nil
}

extension ReadyLab {
    /// The ready file's text: one line of JSON (also what `pkilab up --json` prints first).
    public var json: String { LabJSON.text(self) }

    /// Writes `endpoints.json` into `directory` (atomically, synced), for scripts that wait for the lab.
    public func write(to directory: CADirectory) throws(StoreError) {
        let batch = FileBatch()
        try batch.stage(json + "\n", to: directory.readyFile, mode: 0o644)
        try batch.commit(syncing: directory.path)
    }

    /// Writes the ready JSON to `path` as well (`pkilab up --ready-file`), whole.
    public func write(toFile path: String) throws(StoreError) {
        try ReadyFile.write(json + "\n", to: path)
    }

    /// Removes `endpoints.json` from `directory` when the lab stops.
    public static func remove(from directory: CADirectory) {
        try? FileManager.default.removeItem(atPath: directory.readyFile)
    }

    /// The running lab of `directory`, if `pkilab up` is serving it.
    public static func read(from directory: CADirectory) -> ReadyLab? {
        guard let data = FileManager.default.contents(atPath: directory.readyFile) else { return nil }
        return try? LabJSON.decoder().decode(ReadyLab.self, from: data)
    }
}
