import Foundation

/// Grades a workshop live from the lab's connection events: who each attendee is, what happened to them last, and
/// where they stand on each ``WorkshopExercise``.
///
/// It is pure (no I/O, no clock) and incremental: ``record(_:)`` looks at one event and touches only what it
/// concerns, so the console can call it for every event as it arrives, thousands a second. It never keeps the
/// events, only the state they lead to, plus per host (and per identity) at most one zoo event for each zoo
/// listener and verdict, which is all a ``ZooReport`` needs to grade a device.
///
/// ### Attribution
///
/// An event belongs to (``identity(of:)``):
/// 1. the common name of its client certificate, else
/// 2. the broker's identity of its MQTT detail (which also comes from the certificate), else
/// 3. the identity whose certificate was seen from the event's host (the peer without its port), when exactly
///    one identity was ever seen there with a certificate. A host several identities were seen from (a NAT, or a
///    workshop where everyone runs on `127.0.0.1`) attributes nothing, from then on.
///
/// Events without a certificate (a device refusing the lab's server, a connection without a certificate, the zoo's
/// bad servers, which a device usually meets without presenting one) can only be attributed the third way, at the
/// time they are recorded. The zoo is the exception: its events are kept per host and re-graded when the host's
/// attribution changes, so a zoo run before the device's first connection with its certificate still counts.
///
/// The zoo's own bad client certificates (`zoo-expired`, … under `O=pkilab zoo`) name no attendee: their events
/// are treated as events without a certificate.
///
/// Identities given to ``init(identities:)`` are on the board from the start; any other identity seen with a
/// certificate is added when first seen.
public struct WorkshopGrader: Sendable {
    /// Who a host is attributed to.
    enum HostOwner: Sendable, Hashable {
        /// The one identity ever seen there with a certificate.
        case owned(String)
        /// Two or more identities were seen there: it attributes nothing.
        case shared
    }

    /// The number of recent MQTT peers remembered per identity, to count an MQTT connection's events once.
    static let recentPeerLimit = 8

    /// By identity.
    var statuses: [String: AttendeeStatus] = [:]
    /// By host.
    var hostOwners: [String: HostOwner] = [:]
    /// Zoo events without a certificate identity, by host.
    var zooByHost: [String: ZooSamples] = [:]
    /// Zoo events that presented an attendee's certificate, by identity.
    var zooByIdentity: [String: ZooSamples] = [:]
    /// The first part of each identity's zoo evidence (what the last re-grade found), by identity.
    var zooHeadlines: [String: String] = [:]
    /// The peers (`host:port`) of each identity's recent MQTT events, newest last.
    var recentMQTTPeers: [String: [String]] = [:]

    /// Creates a grader for a workshop.
    ///
    /// - Parameter identities: The attendees known up front (the fleet's members); each starts with every exercise
    ///   pending.
    public init(identities: [String]) {
        for identity in identities where statuses[identity] == nil {
            statuses[identity] = AttendeeStatus(identity: identity)
        }
    }

    /// Takes one event into account.
    ///
    /// - Parameter event: The event, in the order the lab emitted it.
    /// - Returns: The identities whose status changed, each once: the one the event is attributed to, and any whose
    ///   zoo grade changed because the event changed who its host belongs to.
    @discardableResult
    public mutating func record(_ event: ConnectionEvent) -> [String] {
        let host = ZooReport.host(of: event.peer)
        let certified = certificateIdentity(of: event)
        var changed: [String] = []
        if let certified { changed = claim(host, for: certified) }
        let isZoo = Self.isZoo(event)
        var zooGrew = false
        if event.zoo != nil {
            if let certified {
                zooGrew = zooByIdentity[certified, default: ZooSamples()].add(event)
            } else {
                zooGrew = zooByHost[host, default: ZooSamples()].add(event)
            }
        }
        guard let identity = certified ?? owner(of: host) else { return changed }
        note(event, for: identity)
        if event.zoo != nil {
            if zooGrew || zooHeadlines[identity] == nil { regradeZoo(of: identity) } else { touchZoo(of: identity, with: event) }
        } else if !isZoo {
            grade(event, for: identity, byCertificate: certified != nil)
        }
        if !changed.contains(identity) { changed.append(identity) }
        return changed
    }

    /// The status of one attendee.
    ///
    /// - Parameter identity: The attendee's identity.
    /// - Returns: Its status, or nil when the identity is neither known up front nor seen.
    public func status(of identity: String) -> AttendeeStatus? {
        statuses[identity]
    }

    /// Every attendee, sorted by identity.
    public var attendees: [AttendeeStatus] {
        statuses.values.sorted { $0.identity < $1.identity }
    }

    /// Who an event would be attributed to now (see the type's discussion).
    ///
    /// - Parameter event: The event.
    /// - Returns: The identity, or nil when the event has no attendee's certificate and its host is unknown or shared.
    public func identity(of event: ConnectionEvent) -> String? {
        certificateIdentity(of: event) ?? owner(of: ZooReport.host(of: event.peer))
    }

    /// The identity the event's certificate names: its common name, else the broker's identity; nil without one,
    /// and for the zoo's own bad client certificates.
    func certificateIdentity(of event: ConnectionEvent) -> String? {
        let name = [event.client?.commonName, event.mqtt?.identity].lazy.compactMap { $0 }.first { !$0.isEmpty }
        guard let name else { return nil }
        if Self.zooClientNames.contains(name), event.client?.subject.contains("pkilab zoo") ?? true { return nil }
        return name
    }

    /// The common names of the zoo's bad client certificates.
    static let zooClientNames = Set(ZooClient.allCases.map { "zoo-\($0.rawValue)" })

    /// Whether the event comes from one of the zoo's listeners.
    static func isZoo(_ event: ConnectionEvent) -> Bool {
        event.zoo != nil || event.endpoint.hasPrefix("zoo-")
    }

    /// The identity a host attributes events to, if exactly one was seen there.
    func owner(of host: String) -> String? {
        if case .owned(let identity) = hostOwners[host] { identity } else { nil }
    }

    /// Records that `identity`'s certificate was seen from `host`: adds the attendee if new, the host to its hosts,
    /// and updates who the host belongs to.
    ///
    /// - Returns: The identities whose zoo grade changed because the host's owner did.
    private mutating func claim(_ host: String, for identity: String) -> [String] {
        if statuses[identity] == nil { statuses[identity] = AttendeeStatus(identity: identity) }
        if statuses[identity]?.hosts.contains(host) == false { statuses[identity]?.hosts.append(host) }
        switch hostOwners[host] {
        case nil:
            hostOwners[host] = .owned(identity)
            guard zooByHost[host] != nil else { return [] }
            return regradeZoo(of: identity) ? [identity] : []
        case .owned(let other) where other != identity:
            hostOwners[host] = .shared
            guard zooByHost[host] != nil else { return [] }
            return regradeZoo(of: other) ? [other] : []
        default:
            return []
        }
    }

    /// Updates the attendee's last event and counts.
    private mutating func note(_ event: ConnectionEvent, for identity: String) {
        var newConnection = true
        if event.mqtt != nil {
            var peers = recentMQTTPeers[identity, default: []]
            if peers.contains(event.peer) {
                newConnection = false
            } else {
                if peers.count >= Self.recentPeerLimit { peers.removeFirst() }
                peers.append(event.peer)
                recentMQTTPeers[identity] = peers
            }
        }
        let refusal = event.outcome == .rejected && event.reason != RejectionReason.Code.closedUnused.rawValue
        modify(identity) { status in
            status.lastSeen = event.time
            status.lastEndpoint = event.endpoint
            status.lastOutcome = event.outcome.rawValue
            status.lastReason = event.reason
            status.lastExplanation = event.explanation
            status.lastHint = event.hint
            if newConnection { status.connections += 1 }
            if refusal { status.refusals += 1 }
        }
    }

    /// Changes an attendee's status in place (adding it if needed).
    mutating func modify(_ identity: String, _ change: (inout AttendeeStatus) -> Void) {
        change(&statuses[identity, default: AttendeeStatus(identity: identity)])
    }
}
