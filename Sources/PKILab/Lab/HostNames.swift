#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `auto` in a certificate's `names:` expands to on this machine.
public enum HostNames {
    /// This machine's host name, `localhost`, `127.0.0.1`, `::1` and its non-loopback addresses, without
    /// duplicates, in that order. Link-local IPv6 addresses are left out: they need a zone to be dialled.
    public static func auto() -> [String] {
        var names: [String] = []
        func add(_ name: String) { if !name.isEmpty, !names.contains(name) { names.append(name) } }
        var buffer = [CChar](repeating: 0, count: 256)
        if gethostname(&buffer, buffer.count) == 0 {
            let host = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if case .success(.dns(let dns)) = CertificateName.parse(host) { add(dns) }
        }
        add("localhost")
        add("127.0.0.1")
        add("::1")
        for address in interfaceAddresses() { add(address) }
        return names
    }

    /// The addresses of this machine's interfaces that are up and not loopback.
    public static func interfaceAddresses() -> [String] {
        var result: [String] = []
        var first: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&first) == 0 else { return result }
        defer { freeifaddrs(first) }
        var cursor = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            let flags = Int32(entry.pointee.ifa_flags)
            guard let addr = entry.pointee.ifa_addr, flags & Int32(IFF_UP) != 0, flags & Int32(IFF_LOOPBACK) == 0 else { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            let family = Int32(addr.pointee.sa_family)
            let length: socklen_t
            if family == AF_INET {
                length = socklen_t(MemoryLayout<sockaddr_in>.size)
            } else if family == AF_INET6 {
                length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            } else {
                continue
            }
            guard getnameinfo(addr, length, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 else { continue }
            let text = String(decoding: host.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.contains("%") || text.lowercased().hasPrefix("fe80") { continue }
            if !result.contains(text) { result.append(text) }
        }
        return result
    }
}
