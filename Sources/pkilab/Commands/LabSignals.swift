import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The signals `pkilab up` answers, caught from the moment this is made (so a SIGTERM sent the moment "ready"
/// appears still stops cleanly): SIGINT and SIGTERM end ``waitForStop()``; SIGHUP runs what ``onHangUp(_:)`` gave
/// each time (as `kill -HUP` makes Mosquitto re-read its ACL file), and is ignored until then; SIGPIPE is ignored, so a reader of stdout that goes away
/// does not end the lab.
///
/// Kept on Dispatch rather than swift-service-lifecycle's `UnixSignalsSequence`: that one leaves each signal's
/// default action in place on Linux (a SIGINT before the first `next()` would kill the process) and starts
/// listening only when its sequence is created in an async context, after the listeners are up.
final class LabSignals: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    private var continuation: CheckedContinuation<Void, Never>?
    private var hangUp: (@Sendable () -> Void)?
    private var sources: [any DispatchSourceSignal] = []

    init() {
        signal(SIGPIPE, SIG_IGN)
        let queue = DispatchQueue(label: "pkilab.signals")
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            if number == SIGHUP {
                source.setEventHandler { [weak self] in self?.hungUp() }
            } else {
                source.setEventHandler { [weak self] in self?.stop() }
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }

    /// Runs `body` on every SIGHUP from now on.
    func onHangUp(_ body: @escaping @Sendable () -> Void) {
        lock.lock()
        hangUp = body
        lock.unlock()
    }

    /// Returns once SIGINT or SIGTERM has arrived (now or earlier).
    func waitForStop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            if stopped {
                lock.unlock()
                continuation.resume()
                return
            }
            self.continuation = continuation
            lock.unlock()
        }
    }

    private func hungUp() {
        lock.lock()
        let body = hangUp
        lock.unlock()
        body?()
    }

    private func stop() {
        lock.lock()
        stopped = true
        let pending = continuation
        continuation = nil
        lock.unlock()
        pending?.resume()
    }
}
