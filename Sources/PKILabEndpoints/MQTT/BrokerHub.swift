import AWSIoT
import Foundation
import MQTTBroker
import MQTTCodec
import NIOCore
import PKILab
import Synchronization

/// The one broker of a running lab, shared by its MQTT listeners: the ``BrokerCore`` behind a lock, and the open
/// connections it can write to. A step runs under the lock; packets for other connections are handed to their
/// event loops in the order the broker produced them (so each subscriber sees messages in publish order).
final class BrokerHub: Sendable {
    /// How to reach a connection's handler, and what its events say about it.
    struct Outlet: Sendable {
        let eventLoop: any EventLoop
        let handler: NIOLoopBound<MQTTConnectionHandler>
        let listener: String
        let peer: String
        /// The TLS side of the story (version, cipher, client certificate), told with the first MQTT event.
        var tls: ConnectionEvent?
        var toldTLS = false
    }

    struct State: Sendable {
        var core: BrokerCore
        var outlets: [ConnectionID: Outlet] = [:]
        /// Packets from other connections' steps, not yet taken by the target's event loop. One wake-up carries
        /// all of them, so a busy subscriber costs one hop and one flush per batch, not per message.
        var pending: [ConnectionID: [BrokerAction]] = [:]
        var nextID: UInt64 = 0
    }

    let state: Mutex<State>
    let events: EventLog
    let policyDescription: String
    /// Where the AWS IoT twin's shadows and jobs are saved as they change (nil: no twin).
    let twinStore: LabStore?
    /// The twin generation last saved, and a save in progress.
    let savedGeneration = Mutex(0)

    init(policy: BrokerPolicy?, quotas: BrokerQuotas = BrokerQuotas(), twin: IoTTwin? = nil, store: LabStore? = nil, events: EventLog) {
        state = Mutex(State(core: BrokerCore(policy: policy, quotas: quotas, twin: twin)))
        twinStore = twin == nil ? nil : store
        self.events = events
        policyDescription = policy.map { "\($0.rules.count) policy rule(s)" } ?? "no policy: every client may publish and subscribe anywhere"
    }

    /// Registers a connection whose transport is up (after TLS, when there is TLS).
    func open(listener: BrokerConfiguration, identity: ClientIdentity?, outlet: Outlet) -> ConnectionID {
        state.withLock { state in
            state.nextID += 1
            let id = ConnectionID(state.nextID)
            state.core.open(id, listener: listener, identity: identity, peer: outlet.peer)
            state.outlets[id] = outlet
            return id
        }
    }

    /// Runs one broker step for connection `id` and returns what that connection itself must do; everything for
    /// other connections is already on its way to their event loops.
    func perform(_ id: ConnectionID?, _ step: (inout BrokerCore) -> [BrokerAction]) -> (own: [BrokerAction], keepAlive: TimeAmount?) {
        var events: [ConnectionEvent] = []
        let result: ([BrokerAction], TimeAmount?) = state.withLock { state in
            let actions = step(&state.core)
            // What earlier steps left for this connection goes out before what this step says, so nothing a
            // subscriber is owed overtakes a message already on its way (a PUBACK can release the next one).
            var own: [BrokerAction] = id.flatMap { state.pending.removeValue(forKey: $0) } ?? []
            var others: [ConnectionID: [BrokerAction]] = [:]
            var order: [ConnectionID] = []
            for action in actions {
                switch action {
                case .event(let event):
                    if let converted = Self.convert(event, outlet: &state.outlets[event.connection]) { events.append(converted) }
                case .send(let target, _), .close(let target):
                    if target == id {
                        own.append(action)
                    } else {
                        if others[target] == nil { order.append(target) }
                        others[target, default: []].append(action)
                    }
                }
            }
            for target in order {
                guard let batch = others[target], let eventLoop = state.outlets[target]?.eventLoop else { continue }
                if state.pending[target] == nil {
                    state.pending[target] = batch
                    eventLoop.execute { [self] in drain(target) }
                } else {
                    state.pending[target]!.append(contentsOf: batch)
                }
            }
            return (own, id.flatMap { state.core.keepAliveTimeout($0) })
        }
        for event in events { self.events.record(event) }
        saveTwinIfChanged()
        return result
    }

    /// Writes what other connections' steps left for `id` (on its event loop).
    private func drain(_ id: ConnectionID) {
        let taken: (NIOLoopBound<MQTTConnectionHandler>, [BrokerAction])? = state.withLock { state in
            let batch = state.pending.removeValue(forKey: id)
            guard let handler = state.outlets[id]?.handler, let batch else { return nil }
            return (handler, batch)
        }
        guard let (handler, batch) = taken else { return }
        handler.value.carryOut(batch, flush: true)
    }

    /// The connection is gone: forget it (the step has already told the broker).
    func remove(_ id: ConnectionID) {
        state.withLock { state in
            state.outlets[id] = nil
            state.pending[id] = nil
        }
    }

    /// Records an event the handler itself produced (a connection that never sent CONNECT).
    func record(_ event: BrokerEvent) {
        let converted = state.withLock { state in Self.convert(event, outlet: &state.outlets[event.connection]) }
        if let converted { events.record(converted) }
    }

    /// Runs the broker's timers (delayed wills, session expiry).
    func tick() {
        _ = perform(nil) { $0.tick(now: .now()) }
    }

    /// Puts a new policy in force for every session (see ``BrokerCore/replacePolicy(_:)``).
    func replacePolicy(_ policy: BrokerPolicy?) {
        _ = perform(nil) { core in
            core.replacePolicy(policy)
            return []
        }
    }

    /// Tells MQTT 5 clients the server is going away and closes every connection.
    func shutdown() {
        _ = perform(nil) { $0.shutdown() }
    }

    var statistics: (connections: Int, sessions: Int, subscriptions: Int, retained: Int) {
        state.withLock { $0.core.statistics }
    }

    private static func convert(_ event: BrokerEvent, outlet: inout Outlet?) -> ConnectionEvent? {
        guard let current = outlet else { return nil }
        let outcome: ConnectionEvent.Outcome = switch event.kind {
        case .connected: .accepted
        case .refused: .rejected
        case .closed: .closed
        case .handled: .accepted
        }
        var converted: ConnectionEvent
        if !current.toldTLS, var tls = current.tls {
            tls.time = Date()
            tls.outcome = outcome
            tls.reason = event.reason.rawValue
            tls.explanation = event.explanation
            tls.hint = event.hint
            if let zoo = tls.zoo, let scenario = ZooServer(rawValue: zoo.scenario) {
                // A zoo listener: did the device, having accepted the bad server, send its CONNECT?
                let sent = ![BrokerEvent.Reason.noConnect, .connectTimeout].contains(event.reason)
                tls.zoo = ConnectionEvent.ZooDetail(scenario: scenario, completedHandshake: true, sentData: sent)
                tls.explanation = ConnectionEvent.ZooDetail.explanation(scenario, completedHandshake: true, sentData: sent ? "an MQTT CONNECT" : nil)
                    + " — broker: " + event.explanation
                if tls.zoo?.verdict == .wronglyAccepted {
                    tls.hint = "fix the device's server check before it meets a real attacker: \(scenario.expectedBehaviour)"
                }
            }
            converted = tls
            outlet?.toldTLS = true
        } else {
            converted = ConnectionEvent(endpoint: current.listener, peer: current.peer, outcome: outcome, reason: event.reason.rawValue,
                                        explanation: event.explanation, hint: event.hint)
            converted.client = current.tls?.client
        }
        converted.mqtt = ConnectionEvent.MQTTDetail(clientID: event.clientID, identity: event.identity,
                                                    version: event.protocolVersion.map { $0 == .v5 ? "5.0" : "3.1.1" }, topic: event.topic,
                                                    sentCode: event.sentCode.map(Int.init), closed: event.closedConnection)
        return converted
    }
}
