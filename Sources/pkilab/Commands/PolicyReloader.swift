import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// SIGHUP, as `kill -HUP` reloads Mosquitto's ACL file: runs `reload` (which re-reads the lab's `policy:`) each time
/// it arrives, for as long as this lives.
final class PolicyReloader: @unchecked Sendable {
    private let source: any DispatchSourceSignal

    init(reload: @escaping @Sendable () -> Void) {
        signal(SIGHUP, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "pkilab.reload"))
        source.setEventHandler(handler: reload)
        source.resume()
    }

    deinit {
        source.cancel()
    }
}
