import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads what a child process writes to `pipe` on a thread of its own, with blocking `read(2)` until end of file,
/// into a ``DataBox``.
///
/// Not `FileHandle.readabilityHandler`: that is a dispatch source on the descriptor, and on Linux a source that
/// is cancelled while its descriptor is closed and reused by the next pipe can crash libdispatch's event loop
/// (`_dispatch_event_loop_drain`) — a test process that starts hundreds of programs hits that race.
public final class PipeReader: @unchecked Sendable {
    private let pipe: Pipe
    private let finished = DispatchSemaphore(value: 0)

    /// Starts reading `pipe` into `box` (call after the process has started, so the parent's write end is closed).
    public init(_ pipe: Pipe, into box: DataBox) {
        self.pipe = pipe
        let descriptor = pipe.fileHandleForReading.fileDescriptor
        let finished = self.finished
        let thread = Thread { [pipe] in
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = read(descriptor, &buffer, buffer.count)
                if count > 0 {
                    box.append(Data(buffer[0..<count]))
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            withExtendedLifetime(pipe) {}
            finished.signal()
        }
        thread.start()
    }

    /// Waits (at most `timeout` seconds) until the writer's end is closed everywhere; false when it is not.
    @discardableResult
    public func waitForEnd(timeout: TimeInterval = 30) -> Bool {
        guard finished.wait(timeout: .now() + timeout) == .success else { return false }
        finished.signal()
        return true
    }
}
