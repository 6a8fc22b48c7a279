import Foundation
import PKILab

/// Which listeners other machines can reach, in words: `pkilab up` warns about them and `endpoints.json` lists
/// them in `notices` (each such notice starts with ``prefix``).
public enum Exposure {
    /// The start of every exposure notice in ``ReadyLab/notices``.
    public static let prefix = "exposed: "

    /// Whether `host` is reachable only from this machine (127.0.0.0/8, ::1, localhost).
    public static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: ["[", "]"])
        return bare == "localhost" || bare == "::1" || bare.hasPrefix("127.")
    }

    /// One notice per endpoint that listens beyond loopback: where, and whether it keeps strangers out.
    public static func notices(for endpoints: [RunningEndpoint]) -> [String] {
        endpoints.filter { !isLoopback($0.host) }.map { endpoint in
            let everywhere = ["0.0.0.0", "::"].contains(endpoint.host) ? " (every interface)" : ""
            let socket = DisplayHost.socket(endpoint.host, port: endpoint.port)
            return "\(prefix)\(endpoint.name) on \(endpoint.kind == .sntp ? "udp " : "")\(socket)\(everywhere) — \(guardText(endpoint))"
        }
    }

    static func guardText(_ endpoint: RunningEndpoint) -> String {
        switch endpoint.kind {
        case .crl: return "plain HTTP, no client certificate: anyone who can reach it reads the CRLs, OCSP answers and ca.pem (public by design)"
        case .sntp: return "SNTP, no authentication: anyone who can reach it gets the lab's (possibly shifted) time"
        case .console: return "the workshop console: anyone who can reach it sees every connection, the lab's certificates (no keys) and the attendees' board; a kit goes only to its certificate's owner or a one-time link, and links need the teacher's token"
        default:
            if endpoint.tls == "none" { return "plain MQTT, no TLS and no client certificate: anyone who can reach it can publish and subscribe" }
            switch endpoint.clientAuth {
            case .require: return "TLS, client certificate required (only the lab's devices get in)"
            case .optional: return "TLS, client certificate optional: clients without one are let in"
            case .none: return "TLS without client certificates: anyone who can reach it is let in"
            }
        }
    }
}
