import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Plain TCP connections opened from the test process, the way a misbehaving client holds them: connect, send a
/// few bytes (half a request), then wait. Always closed at the end.
public final class RawConnections {
    public private(set) var descriptors: [Int32] = []

    /// Opens `count` connections to `port` on 127.0.0.1 from the source address `source` (any 127.x address works
    /// on Linux loopback), each sending `bytes`. Connections the server refuses still count: they are what it closed.
    public init(count: Int, port: Int, source: String = "127.0.0.2", bytes: [UInt8] = []) {
        Self.raiseOwnLimit()
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { break }
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            inet_pton(AF_INET, source, &local.sin_addr)
            var remote = sockaddr_in()
            remote.sin_family = sa_family_t(AF_INET)
            remote.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr)
            let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            let connected = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard bound == 0, connected == 0 else { close(fd); continue }
            if !bytes.isEmpty { _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }
            // Kept above 4096, so the descriptors Foundation opens meanwhile (pipes to curl, its run loop's) stay
            // below FD_SETSIZE: its select() cannot handle more.
            let high = fcntl(fd, F_DUPFD_CLOEXEC, Int32(4096))
            close(fd)
            guard high >= 0 else { continue }
            descriptors.append(high)
        }
    }

    /// How many of the connections the server has closed (a read returns end of file or a reset), without waiting.
    public var closedByServer: Int {
        descriptors.filter { fd in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                if count > 0 { continue }
                return count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)
            }
        }.count
    }

    /// Waits (at most `timeout` seconds) until the server has closed all of them; returns how many it closed.
    public func waitUntilClosed(timeout: TimeInterval) -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        var closed = closedByServer
        while closed < descriptors.count && Date() < deadline {
            usleep(200_000)
            closed = closedByServer
        }
        return closed
    }

    public func closeAll() {
        descriptors.forEach { close($0) }
        descriptors = []
    }

    deinit { closeAll() }

    /// The test process needs room for its own side of every connection.
    public static func raiseOwnLimit() {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
    }
}
