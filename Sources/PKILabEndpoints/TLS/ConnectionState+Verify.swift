import Dispatch
import NIOCore
import NIOSSL
import PKILab
import Synchronization

extension ConnectionState {
    /// swift-nio-ssl's custom verification callback: runs pkilab's own chain check on what the client presented, so
    /// a refusal carries its reason (BoringSSL alone would only say CERTIFICATE_VERIFY_FAILED). An accepted chain
    /// goes back completed with the lab's intermediates the client left out.
    func verify(_ presented: [NIOSSLCertificate], promise: EventLoopPromise<NIOSSLVerificationResultWithMetadata>) {
        check(ders: presented.map { try? $0.toDERBytes() }, on: promise.futureResult.eventLoop) { verdict in
            switch verdict {
            case .accepted(let missing):
                let chain = presented + missing.compactMap { self.endpoint.intermediatesBySubject[$0] }
                promise.succeed(.certificateVerified(VerificationMetadata(ValidatedCertificateChain(chain))))
            case .refused:
                promise.succeed(.failed)
            }
        }
    }

    /// The check of a full handshake's client chain (DER, leaf first, as sent), whichever engine asked: the
    /// machine hears the certificate, the notes and the verdict, then `completion` tells the engine.
    func check(ders: [[UInt8]?], on eventLoop: any EventLoop, completion: @escaping @Sendable (EndpointContext.Judgement.Verdict) -> Void) {
        handle { $0.verificationStarted(); return [] }
        // The check runs on the connection's own event loop (an actor whose executor it is), so a handshake does
        // not wait for two thread hops to the global executor and back.
        let loop = EventLoopIsolation(eventLoop)
        _ = loop.assumeIsolated { loop in
            Task {
                _ = loop
                let judgement = await self.endpoint.judge(ders: ders, chainSent: true)
                self.record(judgement)
                completion(judgement.verdict)
            }
        }
    }

    /// The OpenSSL engine's check, inside its handshake: OpenSSL 3.0 cannot suspend a server's handshake for an
    /// asynchronous check, so the event loop waits while pkilab's check runs off it (a few hundred microseconds;
    /// OpenSSL servers such as Mosquitto verify on their one thread too). Returns the refusal, or nil.
    func checkNow(ders: [[UInt8]]) -> RejectionReason? {
        handle { $0.verificationStarted(); return [] }
        let endpoint = self.endpoint
        let answer = Mutex<EndpointContext.Judgement?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            let judgement = await endpoint.judge(ders: ders.map { Optional($0) }, chainSent: true)
            answer.withLock { $0 = judgement }
            done.signal()
        }
        done.wait()
        guard let judgement = answer.withLock({ $0 }) else { return .certificate(.unparseable) }
        return record(judgement)
    }

    /// Tells the machine what a full handshake's check found (the certificate, the notes, the verdict), on the event
    /// loop; returns the refusal, or nil.
    @discardableResult
    private func record(_ judgement: EndpointContext.Judgement) -> RejectionReason? {
        if let client = judgement.client { handle { $0.clientPresented(client); return [] } }
        for note in judgement.notes { handle { $0.addNote(note); return [] } }
        let refusal: RejectionReason? = if case .refused(let reason) = judgement.verdict { reason } else { nil }
        handle { $0.verificationFinished(refusal) }
        return refusal
    }

    /// Checks the certificate of a resumed session again (`der`: its leaf), on the connection's event loop. The
    /// future holds nil when it is still let in, else ``RejectionReason/resumedSessionRefused(_:)`` with the reason
    /// it fails now.
    func recheckResumedSession(_ der: [UInt8]?, on eventLoop: any EventLoop) -> EventLoopFuture<RejectionReason?> {
        let promise = eventLoop.makePromise(of: RejectionReason?.self)
        let loop = EventLoopIsolation(eventLoop)
        handle { $0.resumedSessionCheckStarted(); return [] }
        _ = loop.assumeIsolated { loop in
            Task {
                _ = loop
                let judgement = await self.endpoint.judge(ders: [der], chainSent: false)
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
