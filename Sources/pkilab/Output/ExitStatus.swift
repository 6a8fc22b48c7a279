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
        switch error {
        case let error as LabFileError:
            Console.error(error.description)
            return ExitCode(error.code == .fileNotFound ? notFound : invalidLab)
        case let error as StoreError:
            Console.error(error.message, hint: error.hint)
            switch error.code {
            case .cannotWrite: return ExitCode(cannotWrite)
            case .cannotRead, .notFound: return ExitCode(notFound)
            case .locked: return ExitCode(locked)
            case .authorityChangeRefused: return ExitCode(refused)
            }
        case let error as ExportOverwriteRefusal:
            Console.error(error.message, hint: error.hint)
            return ExitCode(refused)
        case let error as EndpointStartError:
            Console.error(error.description)
            return ExitCode(unavailable)
        case let error as ExitCode:
            return error
        default:
            Console.error("unexpected failure: \(error)", hint: "this is a bug in pkilab; please report it with the command you ran")
            return ExitCode(internalError)
        }
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
