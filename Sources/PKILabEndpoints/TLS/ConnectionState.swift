import Foundation
import NIOCore
import NIOSSL
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

    // MARK: Client certificate check

    /// The custom verification callback: runs pkilab's own chain check on what the client presented, so a
    /// refusal carries its reason (BoringSSL alone would only say CERTIFICATE_VERIFY_FAILED).
    func verify(_ presented: [NIOSSLCertificate], promise: EventLoopPromise<NIOSSLVerificationResultWithMetadata>) {
        handle { $0.verificationStarted(); return [] }
        let ders = presented.map { try? $0.toDERBytes() }
        // The check runs on the connection's own event loop (an actor whose executor it is), so a handshake does
        // not wait for two thread hops to the global executor and back.
        let loop = EventLoopIsolation(promise.futureResult.eventLoop)
        _ = loop.assumeIsolated { loop in
            Task {
                _ = loop
                let judgement = await self.endpoint.judge(ders: ders, presented: presented, chainSent: true)
                if let client = judgement.client { self.handle { $0.clientPresented(client); return [] } }
                for note in judgement.notes { self.handle { $0.addNote(note); return [] } }
                switch judgement.verdict {
                case .accepted(let chain):
                    self.handle { $0.verificationFinished(nil) }
                    promise.succeed(.certificateVerified(VerificationMetadata(ValidatedCertificateChain(chain))))
                case .refused(let reason):
                    self.handle { $0.verificationFinished(reason) }
                    promise.succeed(.failed)
                }
            }
        }
    }

    /// Checks the certificate of a resumed session again, on the connection's event loop. The future holds nil
    /// when it is still let in, else ``RejectionReason/resumedSessionRefused(_:)`` with the reason it fails now.
    func recheckResumedSession(_ peer: NIOSSLCertificate, on eventLoop: any EventLoop) -> EventLoopFuture<RejectionReason?> {
        let promise = eventLoop.makePromise(of: RejectionReason?.self)
        let der = try? peer.toDERBytes()
        let loop = EventLoopIsolation(eventLoop)
        handle { $0.resumedSessionCheckStarted(); return [] }
        _ = loop.assumeIsolated { loop in
            Task {
                _ = loop
                let judgement = await self.endpoint.judge(ders: [der], presented: [peer], chainSent: false)
                if let client = judgement.client { self.handle { $0.clientPresented(client); return [] } }
                switch judgement.verdict {
                case .accepted: promise.succeed(nil)
                case .refused(let inner): promise.succeed(.resumedSessionRefused(inner))
                }
            }
        }
        return promise.futureResult
    }
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
