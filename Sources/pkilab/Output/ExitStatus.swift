import ArgumentParser
import PKILab
import PKILabEndpoints

/// The documented exit codes (docs/exit-codes.md), and the one place that maps errors to them.
enum ExitStatus {
    static let verificationFailed: Int32 = 1
    static let usage: Int32 = 64
    static let invalidLab: Int32 = 65
    static let notFound: Int32 = 66
    static let unavailable: Int32 = 69
    static let internalError: Int32 = 70
    static let cannotWrite: Int32 = 73
    static let locked: Int32 = 75
    static let refused: Int32 = 78

    /// Prints `error` the way a person should read it and returns the exit code to end with.
    static func report(_ error: any Error) -> ExitCode {
        if let error = error as? ExitCode { return error }
        let failure = describe(error)
        if let error = error as? EndpointStartError {
            Console.error(error.description)  // one line, as lab.yaml errors are
        } else {
            Console.error(failure.message, hint: failure.hint)
        }
        return ExitCode(failure.status)
    }

    /// `error` in words, with its exit code and a stable code for JSON (an `ExitCode` was reported where it was thrown).
    static func describe(_ error: any Error) -> CommandFailure {
        switch error {
        case let error as CommandFailure:
            return error
        case let error as LabFileError:
            return error.code == .fileNotFound ? CommandFailure(notFound, "lab_not_found", error.description)
                : CommandFailure(invalidLab, "invalid_lab", error.description)
        case let error as StoreError:
            switch error.code {
            case .cannotWrite: return CommandFailure(cannotWrite, "store_unwritable", error.message, hint: error.hint)
            case .cannotRead, .notFound: return CommandFailure(notFound, "store_unreadable", error.message, hint: error.hint)
            case .locked: return CommandFailure(locked, "store_locked", error.message, hint: error.hint)
            case .authorityChangeRefused: return CommandFailure(refused, "authority_change_refused", error.message, hint: error.hint)
            }
        case let error as ExportOverwriteRefusal:
            return CommandFailure(refused, "overwrite_refused", error.message, hint: error.hint)
        case let error as EndpointStartError:
            let code = switch error.reason {
            case .portInUse: "port_in_use"
            case .permissionDenied: "permission_denied"
            case .addressNotAvailable: "address_not_available"
            case .other: "listen_failed"
            }
            return CommandFailure(unavailable, code, error.message, hint: error.hint, endpoint: error.endpoint)
        case let error as ExitCode:
            return CommandFailure(error.rawValue, "exit", "exited with status \(error.rawValue)")
        default:
            return CommandFailure(internalError, "internal", "unexpected failure: \(error)",
                                  hint: "this is a bug in pkilab; please report it with the command you ran")
        }
    }
}

/// A failure a command found itself: what happened, what to do, the exit code, and a stable code for `--json`.
struct CommandFailure: Error {
    let status: Int32
    let code: String
    let message: String
    let hint: String?
    let endpoint: String?

    init(_ status: Int32, _ code: String, _ message: String, hint: String? = nil, endpoint: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.hint = hint
        self.endpoint = endpoint
    }

    /// As the ready file and `pkilab up --json` carry it.
    var startFailure: LabStartFailure {
        LabStartFailure(.init(status: status, code: code, message: message, hint: hint, endpoint: endpoint))
    }
}

/// Runs a command body, turning any error into its message and exit code.
func reportingErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch {
        throw ExitStatus.report(error)
    }
}

/// ``reportingErrors(_:)`` for the commands that run synchronously (no Swift concurrency runtime, no threads).
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch {
        throw ExitStatus.report(error)
    }
}
