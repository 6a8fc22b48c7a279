import Foundation
import PKILab
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why `pkilab up` (or `pkilab run`) could not start serving, as it writes it to the ready file and prints it with
/// `--json`: one JSON object `{"error": {"status": 69, "code": "port_in_use", "message": …, "hint": …}, "pid": …, "time": …}`,
/// so a script that waits for the lab learns why instead of waiting forever.
public struct LabStartFailure: Sendable, Codable, Equatable {
    /// What went wrong, in the words `pkilab up` prints on stderr.
    public struct Detail: Sendable, Codable, Equatable {
        /// The exit code `pkilab up` ends with (docs/exit-codes.md).
        public var status: Int32
        /// A stable code for the kind of failure: `port_in_use`, `permission_denied`, `address_not_available`,
        /// `invalid_lab`, `lab_not_found`, `store_locked`, `store_unwritable`, `store_unreadable`,
        /// `authority_change_refused`, `no_endpoints`, `unknown_endpoint`, `listen_failed` or `internal`.
        public var code: String
        public var message: String
        public var hint: String?
        /// The endpoint that could not listen, when that was the failure.
        public var endpoint: String?

        public init(status: Int32, code: String, message: String, hint: String? = nil, endpoint: String? = nil) {
            self.status = status
            self.code = code
            self.message = message
            self.hint = hint
            self.endpoint = endpoint
        }
    }

    public var error: Detail
    /// The process that failed.
    public var pid: Int32
    public var time: Date

    public init(_ error: Detail, pid: Int32 = getpid(), time: Date = Date()) {
        self.error = error
        self.pid = pid
        self.time = time
    }

    /// One line of JSON.
    public var json: String { LabJSON.text(self) }

    /// Writes the object to `path` whole (temporary file, fsync, rename), as the ready file would have been written.
    public func write(toFile path: String) throws(StoreError) {
        try ReadyFile.write(json + "\n", to: path)
    }
}
