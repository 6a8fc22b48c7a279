import Foundation
import NIOCore
import PKILab

/// An endpoint that could not start listening: which one, where, why in words, and what to change.
///
/// `pkilab up` prints ``description`` and exits 69 (EX_UNAVAILABLE).
public struct EndpointStartError: Error, Sendable, CustomStringConvertible {
    /// Why the listener could not be opened.
    public enum Reason: Sendable, Hashable {
        /// Another program (or another listener of the lab) has the port (`EADDRINUSE`).
        case portInUse
        /// Not allowed to listen there, usually a port below 1024 without root (`EACCES`).
        case permissionDenied
        /// The address is not one of this machine's (`EADDRNOTAVAIL`).
        case addressNotAvailable
        /// Anything else, in the system's words.
        case other(String)
    }

    /// The endpoint's name (`echo`, `mqtt-plain`, `zoo-expired`, …).
    public var endpoint: String
    /// The address it was to listen on.
    public var bind: String
    public var port: Int
    public var reason: Reason
    /// Where the port is chosen: a lab.yaml key path or a command-line option (``EndpointSpec/portSetting``).
    public var portSetting: String
    /// Where the address is chosen (``EndpointSpec/bindSetting``).
    public var bindSetting: String

    public init(endpoint: String, bind: String, port: Int, reason: Reason, portSetting: String, bindSetting: String) {
        self.endpoint = endpoint
        self.bind = bind
        self.port = port
        self.reason = reason
        self.portSetting = portSetting
        self.bindSetting = bindSetting
    }

    /// The error for `spec` failing to listen with `error` (NIO's `IOError`, as such or as Hummingbird passes it on).
    public init(_ spec: EndpointSpec, error: any Error) {
        let reason: Reason
        switch Self.errno(of: error) {
        case EADDRINUSE: reason = .portInUse
        case EACCES: reason = .permissionDenied
        case EADDRNOTAVAIL: reason = .addressNotAvailable
        default: reason = .other("\(error)")
        }
        self.init(endpoint: spec.name, bind: spec.bind, port: spec.port, reason: reason, portSetting: spec.portSetting, bindSetting: spec.bindSetting)
    }

    /// What went wrong: `echo cannot listen on 127.0.0.1:7443: the port is in use`.
    public var message: String {
        let start = "\(endpoint) cannot listen on \(DisplayHost.socket(bind, port: port))"
        switch reason {
        case .portInUse: return "\(start): the port is in use"
        case .permissionDenied where port < 1024: return "\(start): ports below 1024 need root or CAP_NET_BIND_SERVICE"
        case .permissionDenied: return "\(start): the system does not allow it (permission denied)"
        case .addressNotAvailable: return "\(start): this machine has no address \(bind)"
        case .other(let text): return "\(start): \(text)"
        }
    }

    /// What to do about it.
    public var hint: String {
        let freePort = "(0 picks a free port)"
        let otherPort = portSetting.hasPrefix("--") ? "give another port with \(portSetting)" : "set \(portSetting) in lab.yaml"
        let otherAddress = bindSetting.hasPrefix("--") ? "give \(bindSetting)" : "set \(bindSetting) in lab.yaml to"
        switch reason {
        case .portInUse:
            return "stop the other program (ss -ltnp 'sport = :\(port)' shows it) or \(otherPort) \(freePort)"
        case .permissionDenied where port < 1024:
            return "use a port from 1024 up (\(otherPort); 0 picks a free port), or let pkilab use low ports: "
                + "sudo setcap cap_net_bind_service=+ep \"$(command -v pkilab)\""
        case .permissionDenied:
            return "check what restricts listening here (SELinux, AppArmor, a container's policy), or \(otherPort) \(freePort)"
        case .addressNotAvailable:
            return "\(otherAddress) one of this machine's addresses (ip -brief address lists them), or 127.0.0.1 for this machine only"
        case .other:
            return "check \(bindSetting) and \(portSetting), or \(otherPort) \(freePort)"
        }
    }

    /// `message — hint`, one line, as lab.yaml errors are written.
    public var description: String { "\(message) — \(hint)" }

    /// The errno behind `error`: NIO's `IOError` directly, or the `(errno: N)` it leaves in a wrapping error's text.
    static func errno(of error: any Error) -> CInt? {
        if let error = error as? IOError { return error.errnoCode }
        let text = String(describing: error)
        guard let range = text.range(of: "(errno: ") else { return nil }
        return CInt(text[range.upperBound...].prefix { $0.isNumber })
    }
}
