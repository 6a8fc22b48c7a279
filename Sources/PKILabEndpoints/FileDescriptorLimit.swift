#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's limit on open files (`RLIMIT_NOFILE`), which caps how many connections it can hold.
public enum FileDescriptorLimit {
    /// The soft limit now.
    public static var current: Int {
        var limit = rlimit()
        guard getrlimit(resourceLimit, &limit) == 0 else { return 1024 }
        return limit.rlim_cur >= rlim_t(Int32.max) ? Int(Int32.max) : Int(limit.rlim_cur)
    }

    /// Raises the soft limit to the hard limit, as nginx (`worker_rlimit_nofile`) and Mosquitto do at start.
    /// - Returns: the soft limit before and after (equal when it was already at the hard limit or could not move).
    @discardableResult
    public static func raiseToHardLimit() -> (from: Int, to: Int) {
        let before = current
        var limit = rlimit()
        guard getrlimit(resourceLimit, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return (before, before) }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(resourceLimit, &limit)
        return (before, current)
    }

    #if canImport(Glibc)
    private static let resourceLimit = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let resourceLimit = RLIMIT_NOFILE
    #endif
}
