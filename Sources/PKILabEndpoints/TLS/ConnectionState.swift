import Foundation
import NIOCore
import PKILab

/// One connection's ``ConnectionStateMachine``, shared by the handlers around the TLS handler on the connection's
/// event loop. Handlers feed it what they see through ``handle(_:)`` and it carries out the actions that need no
/// handler of their own: recording the event (the event log writes it off the loop) and closing.
///
/// This is where a handshake rejection is decided: the machine picks the reason, `RejectionReason+Words.swift`
/// words it.
final class ConnectionState: Sendable {
    let endpoint: EndpointContext
    let peer: String
    private let channel: any Channel
    private let machine: NIOLoopBoundBox<ConnectionStateMachine>

    /// Must be made on `channel`'s event loop (in its initializer).
    init(endpoint: EndpointContext, channel: any Channel) {
        self.endpoint = endpoint
        self.channel = channel
        peer = LabTLSPipeline.peer(of: channel)
        machine = NIOLoopBoundBox(ConnectionStateMachine(endpoint: endpoint.facts, peer: peer), eventLoop: channel.eventLoop)
    }

    /// Reads the machine (on the event loop).
    func read<T>(_ body: (ConnectionStateMachine) -> T) -> T {
        body(machine.value)
    }

    /// Feeds the machine (on the event loop) and carries out what it returns, in order; with `deferring`, the
    /// actions of those kinds are left to the caller in the returned list (a handler that must first pass an event
    /// on, or that holds the context they need).
    @discardableResult
    func handle(deferring: Set<ConnectionStateMachine.Action.Kind> = [],
                _ body: (inout ConnectionStateMachine) -> [ConnectionStateMachine.Action]) -> [ConnectionStateMachine.Action] {
        let actions = body(&machine.value)
        var left: [ConnectionStateMachine.Action] = []
        for action in actions {
            if deferring.contains(action.kind) {
                left.append(action)
                continue
            }
            switch action {
            case .record(let event): endpoint.events.record(event)
            case .close: channel.close(promise: nil)
            case .forwardInputClosed: (try? channel.pipeline.syncOperations.handler(type: ClientHelloSniffer.self))?.forwardInputClosed()
            case .answerPlainHTTP, .closeOutputAndDrain: left.append(action)
            }
        }
        return left
    }

    /// Carries out actions a handler was left with.
    func carryOut(_ actions: [ConnectionStateMachine.Action]) {
        handle { _ in actions }
    }

    /// The accepted event, for routes that report what was negotiated (`/whoami`) and the MQTT broker's first event.
    var acceptedEvent: ConnectionEvent? { read(\.accepted) }
}

/// An actor that runs on a NIO event loop, so tasks started for a connection stay on its thread.
actor EventLoopIsolation {
    nonisolated let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    nonisolated var unownedExecutor: UnownedSerialExecutor {
        eventLoop.executor.asUnownedSerialExecutor()
    }
}
