import Foundation
import NIOCore
import PKILab
import Synchronization

/// Keeps one client from taking the lab: counts open connections over every endpoint, per client address and
/// (on TLS endpoints, once the handshake shows it) per client certificate, and closes a connection past a cap with
/// a `connection_limit`, `address_connection_limit` or `client_connection_limit` event that names the lab.yaml key.
///
/// Refusals are told at most once a second per cap, with how many more were refused meanwhile, so a flood cannot
/// fill the event log.
final class ConnectionLimiter: Sendable {
    typealias Caps = ConnectionCaps

    private struct Counts {
        var total = 0
        var byAddress: [String: Int] = [:]
        var byClient: [String: Int] = [:]
        /// When each kind of refusal was last told, and how many have not been told since.
        var told: [RejectionReason.Code: (time: NIODeadline, untold: Int)] = [:]
    }

    let caps: Caps
    private let events: EventLog
    private let counts = Mutex(Counts())

    init(caps: Caps, events: EventLog) {
        self.caps = caps
        self.events = events
    }

    /// The caps for `limits`, with the total lowered so that `descriptorLimit` minus `reserve` descriptors (event
    /// logs, listeners, files being served) are never exceeded.
    static func caps(for limits: ServingLimits, descriptorLimit: Int, reserve: Int) -> Caps {
        let total = max(1, min(limits.maxConnections, descriptorLimit - reserve))
        return Caps(total: total, perAddress: min(total, limits.maxConnectionsPerAddress ?? max(1, total / 2)), perClient: limits.maxConnectionsPerClient)
    }

    /// Counts a newly accepted connection to `endpoint`, or closes it with an event when a cap is reached.
    /// - Returns: whether it was admitted.
    func admit(_ channel: any Channel, endpoint: String) -> Bool {
        let address = channel.remoteAddress?.ipAddress ?? "unknown"
        let refused: RejectionReason? = counts.withLock { counts in
            if counts.total >= caps.total { return .connectionLimit(limit: caps.total) }
            if counts.byAddress[address, default: 0] >= caps.perAddress { return .addressConnectionLimit(limit: caps.perAddress) }
            counts.total += 1
            counts.byAddress[address, default: 0] += 1
            return nil
        }
        if let refused {
            refuse(channel, endpoint: endpoint, reason: refused, client: nil)
            return false
        }
        channel.closeFuture.whenComplete { [self] _ in
            counts.withLock { counts in
                counts.total -= 1
                let left = counts.byAddress[address, default: 1] - 1
                counts.byAddress[address] = left > 0 ? left : nil
            }
        }
        return true
    }

    /// Counts a TLS connection that presented the certificate `fingerprint` (SHA-256), or refuses it.
    /// - Returns: whether it was admitted; when not, the caller tells the event and closes.
    func admitClient(_ channel: any Channel, fingerprint: String) -> Bool {
        let admitted = counts.withLock { counts in
            guard counts.byClient[fingerprint, default: 0] < caps.perClient else { return false }
            counts.byClient[fingerprint, default: 0] += 1
            return true
        }
        guard admitted else { return false }
        channel.closeFuture.whenComplete { [self] _ in
            counts.withLock { counts in
                let left = counts.byClient[fingerprint, default: 1] - 1
                counts.byClient[fingerprint] = left > 0 ? left : nil
            }
        }
        return true
    }

    /// Closes `channel`, telling the event unless one for the same cap went out less than a second ago.
    func refuse(_ channel: any Channel, endpoint: String, reason: RejectionReason, client: ConnectionEvent.ClientCertificate?) {
        channel.close(promise: nil)
        let untold: Int? = counts.withLock { counts in
            let now = NIODeadline.now()
            if let last = counts.told[reason.code], now - last.time < .seconds(1) {
                counts.told[reason.code]?.untold += 1
                return nil
            }
            let untold = counts.told[reason.code]?.untold ?? 0
            counts.told[reason.code] = (now, 0)
            return untold
        }
        guard let untold else { return }
        let (explanation, hint) = reason.words()
        var event = ConnectionEvent(endpoint: endpoint, peer: LabTLSPipeline.peer(of: channel), outcome: .rejected, reason: reason.code.rawValue,
                                    explanation: explanation + (untold > 0 ? " (\(untold) more refused since the last such event)" : ""), hint: hint)
        event.client = client
        events.record(event)
    }
}
