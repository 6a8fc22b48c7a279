import AWSIoT
import Foundation

/// What the AWS IoT twin keeps across `pkilab up` runs (`ca/aws-iot-state.json`): every Device Shadow and every job
/// execution, as AWS keeps them in the cloud.
public struct AWSIoTState: Sendable, Codable, Hashable {
    public var shadows: ShadowStore
    public var jobs: JobsStore

    public init(shadows: ShadowStore = ShadowStore(), jobs: JobsStore = JobsStore()) {
        self.shadows = shadows
        self.jobs = jobs
    }
}

extension LabStore {
    /// The twin's saved state, or an empty one when there is none yet. A file that cannot be read is an error: it is
    /// never silently replaced.
    public func awsIoTState() throws(StoreError) -> AWSIoTState {
        let path = directory.awsIoTState
        guard let data = FileManager.default.contents(atPath: path) else { return AWSIoTState() }
        do {
            return try JSONDecoder().decode(AWSIoTState.self, from: data)
        } catch {
            throw StoreError(.cannotRead, "\(path) is not the AWS IoT twin's state: \(error)",
                             hint: "move it aside to start with no shadows and no jobs; pkilab never overwrites it unread")
        }
    }

    /// Saves the twin's state whole (temporary file, fsync, rename), 0600.
    public func saveAWSIoTState(_ state: AWSIoTState) throws(StoreError) {
        let data = (try? LabJSON.encoder(pretty: true).encode(state)) ?? Data()
        let batch = FileBatch()
        try batch.stage(Array(data) + [0x0A], to: directory.awsIoTState, mode: 0o600)
        try batch.commit(syncing: directory.path)
    }
}
