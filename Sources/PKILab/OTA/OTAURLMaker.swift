import Foundation

/// Makes the pre-signed URL of an image on the object store, as the OTA server hands it out (and
/// `pkilab ota presign` prints it), carrying out the faults that live in the URL.
public struct OTAURLMaker: Sendable {
    public var spec: OTASpec
    public var credentials: SigV4Credentials
    /// The host name in the URL (the store's ``ObjectStoreSpec/urlHost``, or its display host).
    public var host: String
    /// The ports the store and the untrusted store listen on (the real ones when the lab picks free ports).
    public var port: Int
    public var untrustedPort: Int

    public init(spec: OTASpec, credentials: SigV4Credentials, host: String, port: Int, untrustedPort: Int) {
        self.spec = spec
        self.credentials = credentials
        self.host = host
        self.port = port
        self.untrustedPort = untrustedPort
    }

    /// The URL's facts: where it points, when it stops working, the fault it carries.
    public struct Made: Sendable, Hashable {
        public var url: String
        public var signedAt: Date
        public var expiresAt: Date
        public var fault: OTAFault?
    }

    /// The pre-signed GET URL of `image` at `now` (the lab clock), valid `lifetime` seconds (``OTASpec/urlLifetime``
    /// unless given).
    public func url(for image: String, now: Date, lifetime: Int? = nil, fault: OTAFault? = nil) -> Made {
        let lifetime = lifetime ?? spec.urlLifetime
        var date = now
        var extra: [(name: String, value: String)] = []
        var port = self.port
        switch fault {
        case .expired: date = now.addingTimeInterval(-Double(lifetime + 20))
        case .notYetValid: date = now.addingTimeInterval(3600)
        case .wrongCA: port = untrustedPort
        case .interrupt: extra.append(("x-pkilab-fault", OTAFault.interrupt.rawValue))
        case .longURL: extra.append(("X-Amz-Security-Token", Self.longToken(seed: image)))
        default: break
        }
        let hostHeader = Self.hostHeader(host, port: port)
        var url = SigV4Presigner.presign(method: "GET", scheme: "https", host: hostHeader, path: "/\(spec.store.bucket)/\(image)",
                                         extraQuery: extra, credentials: credentials, date: date, expires: lifetime)
        if fault == .tampered, let range = url.range(of: "X-Amz-Signature="), range.upperBound < url.endIndex {
            // One hex digit of the signature changed, as a proxy or a careless copy would.
            let digit = url[range.upperBound]
            url.replaceSubrange(range.upperBound...range.upperBound, with: digit == "0" ? "1" : "0")
        }
        return Made(url: url, signedAt: date, expiresAt: date.addingTimeInterval(Double(lifetime)), fault: fault)
    }

    /// `host:port` as the Host header carries it (IPv6 in brackets; no port for 443).
    public static func hostHeader(_ host: String, port: Int) -> String {
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return port == 443 ? bracketed : "\(bracketed):\(port)"
    }

    /// A session token as long as STS's (about 1,000 characters), deterministic for one image.
    static func longToken(seed: String) -> String {
        var state = UInt64(truncatingIfNeeded: seed.utf8.reduce(5381) { ($0 &* 33) &+ Int($1) })
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        return String((0..<1024).map { _ -> Character in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return alphabet[Int(state >> 58)]
        })
    }
}
