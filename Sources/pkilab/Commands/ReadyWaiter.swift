import Foundation
import PKILab
import PKILabEndpoints

/// Waits for a ready file to say the lab is serving or could not start: what `pkilab wait` and
/// `pkilab up --detach` do.
struct ReadyWaiter {
    /// How the wait ended.
    enum Outcome {
        case ready(ReadyLab)
        case failed(LabStartFailure)
        /// The process being waited for ended without writing either (killed, or it crashed); its exit status if known.
        case exited(Int32?)
        case timedOut
    }

    let path: String
    /// The process expected to write the file, when known: a failure is taken only from it, and its end without
    /// one ends the wait.
    let pid: Int32?
    /// Whether that process still runs (`kill(pid, 0)`, or `waitpid` for a child: a child that ended is a zombie
    /// until reaped, and `kill` still finds it). Returns the exit status once it has ended.
    let hasEnded: () -> (ended: Bool, status: Int32?)

    /// Polls every 50 ms until `deadline`. Without `pid`, a failure written before `startedAt` minus a few
    /// seconds is taken for a previous run's and ignored (give `--pid` to be exact); a ready file whose process is
    /// gone was left by a killed lab and is ignored too.
    func wait(until deadline: Date, startedAt: Date = Date()) async -> Outcome {
        while true {
            switch ReadyFile.read(path) {
            case .ready(let ready)?:
                if let owner = ready.pid, ReadyFile.isAlive(owner), pid == nil || owner == pid { return .ready(ready) }
                if ready.pid == nil { return .ready(ready) }
            case .failed(let failure)?:
                if let pid, failure.pid == pid { return .failed(failure) }
                if pid == nil && failure.time >= startedAt.addingTimeInterval(-5) { return .failed(failure) }
            case nil:
                break
            }
            if pid != nil {
                let state = hasEnded()
                if state.ended {
                    // It may have written the file just before it ended.
                    if case .failed(let failure)? = ReadyFile.read(path), failure.pid == pid { return .failed(failure) }
                    return .exited(state.status)
                }
            }
            if Date() >= deadline { return .timedOut }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
    }
}
