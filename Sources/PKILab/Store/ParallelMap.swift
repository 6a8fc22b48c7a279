import Dispatch
import Synchronization

extension Array where Element: Sendable {
    /// Maps every element on all cores, keeping order; rethrows the first error.
    ///
    /// With fewer than `threshold` elements it maps on the calling thread: Dispatch's worker threads cost more to
    /// start and wake (much more on a loaded machine) than a few P-256 keys or small files take. A caller whose items
    /// are each expensive (an RSA key takes milliseconds to seconds) passes 2.
    func parallelMap<Result: Sendable>(threshold: Int = 2, _ transform: @Sendable (Element) throws -> Result) throws -> [Result] {
        if count < Swift.max(threshold, 2) { return try map(transform) }
        let results = Mutex<[Result?]>(Array<Result?>(repeating: nil, count: count))
        let failure = Mutex<(any Error)?>(nil)
        let items = self
        DispatchQueue.concurrentPerform(iterations: count) { index in
            guard failure.withLock({ $0 == nil }) else { return }
            do {
                let value = try transform(items[index])
                results.withLock { $0[index] = value }
            } catch {
                failure.withLock { if $0 == nil { $0 = error } }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        return results.withLock { $0.map { $0! } }
    }
}
