import Foundation
import MQTTBroker

/// The rules of the exercises other than the zoo: which event passes which exercise, and the sentence it leaves.
extension WorkshopGrader {
    /// The broker reasons that mean its policy refused the client: a publish, a subscription, a delivery its
    /// subscription reached for, a will, or (aws listeners) the client id of a CONNECT.
    public static let policyRefusals: Set<String> = Set([
        BrokerEvent.Reason.publishDenied, .subscribeDenied, .receiveDenied, .willDenied, .connectDenied,
    ].map(\.rawValue))

    /// Passes the exercise `event` shows the attendee did, if any. Zoo events are graded elsewhere; this sees only
    /// the events of the lab's own endpoints.
    ///
    /// - Parameters:
    ///   - event: An event of a lab endpoint (not the zoo), attributed to `identity`.
    ///   - identity: The attendee.
    ///   - byCertificate: Whether the event carries the attendee's certificate (rather than being attributed by host).
    mutating func grade(_ event: ConnectionEvent, for identity: String, byCertificate: Bool) {
        if event.reason == RejectionReason.Code.clientRejectedServer.rawValue {
            pass(.wrongCABundle, identity, event) { "The device refused \(event.endpoint)'s server at \($0)." }
        }
        guard byCertificate else { return }
        switch event.outcome {
        case .accepted:
            pass(.firstConnection, identity, event) { "\(event.endpoint) accepted the certificate at \($0)." }
        case .rejected where event.mqtt != nil && Self.policyRefusals.contains(event.reason):
            let topic = event.mqtt?.topic.map { " on \($0)" } ?? ""
            pass(.policyDenial, identity, event) { "\(event.endpoint) refused it by policy (\(event.reason)\(topic)) at \($0)." }
        case .rejected where event.reason == RejectionReason.Code.expired.rawValue:
            pass(.expiry, identity, event) { "\(event.endpoint) refused the expired certificate at \($0)." }
        case .rejected where event.reason == RejectionReason.Code.revoked.rawValue:
            pass(.revocation, identity, event) { "\(event.endpoint) refused the revoked certificate at \($0)." }
        default:
            break
        }
    }

    /// Marks `exercise` passed unless it already is: the first passing event's evidence stays. The sentence is made
    /// only then (from the event's time of day), so the events of an exercise already passed cost a look-up.
    private mutating func pass(_ exercise: WorkshopExercise, _ identity: String, _ event: ConnectionEvent, _ evidence: (String) -> String) {
        guard statuses[identity]?.exercises[exercise.rawValue]?.status != .passed else { return }
        let sentence = evidence(Self.clock(event.time))
        modify(identity) { $0.exercises[exercise.rawValue] = ExerciseResult(status: .passed, evidence: sentence, time: event.time) }
    }

    /// `12:01:07 UTC`: the time of day an event happened, as evidence names it.
    static func clock(_ time: Date) -> String {
        String(LabDate.iso(time).dropFirst(11).dropLast()) + " UTC"
    }
}
