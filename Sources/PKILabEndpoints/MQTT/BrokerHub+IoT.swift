import AWSIoT
import Foundation
import MQTTBroker
import NIOCore
import PKILab

/// The AWS IoT twin's side of the hub: saving shadows and jobs as they change, and the control socket's requests
/// (`pkilab shadow`, `pkilab job`) carried out as broker steps, so subscribers see their replies and deltas.
extension BrokerHub {
    /// Saves the twin's shadows and jobs when a step changed them (`ca/aws-iot-state.json`, written whole).
    func saveTwinIfChanged() {
        guard let twinStore else { return }
        let snapshot: (Int, AWSIoTState)? = state.withLock { state in
            guard let twin = state.core.twin else { return nil }
            let saved = savedGeneration.withLock { $0 }
            guard twin.generation != saved else { return nil }
            return (twin.generation, AWSIoTState(shadows: twin.shadows, jobs: twin.jobs))
        }
        guard let (generation, twinState) = snapshot else { return }
        savedGeneration.withLock { saved in
            // Saves run one at a time, newest wins: an older snapshot never overwrites a newer file.
            guard generation > saved else { return }
            do {
                try twinStore.saveAWSIoTState(twinState)
                saved = generation
            } catch {
                FileHandle.standardError.write(Data("pkilab up: the AWS IoT twin's shadows and jobs could not be saved: \(error)\n".utf8))
            }
        }
    }

    /// Carries out one control-socket request.
    func control(_ request: ControlMessage.Request) -> ControlMessage.Reply {
        func published(_ actions: [BrokerAction]) -> [ControlMessage.Published] {
            var seen: Set<String> = []
            return actions.compactMap { action -> ControlMessage.Published? in
                guard case .send(_, .publish(let publish)) = action else { return nil }
                let text = String(decoding: publish.payload.readableBytesView, as: UTF8.self)
                guard seen.insert(publish.topic + "\n" + text).inserted else { return nil }
                return ControlMessage.Published(topic: publish.topic, payload: text)
            }
        }
        switch request.op {
        case "shadow":
            guard let operation = request.operation.flatMap(ShadowOperation.init(rawValue:)) else {
                return ControlMessage.Reply(ok: false, summary: "unknown shadow operation \(request.operation ?? "(none)")")
            }
            let target = ShadowRequest.Target(thing: request.thing, shadow: request.shadow)
            var outcome: ShadowOutcome?
            var sent: [BrokerAction] = []
            _ = perform(nil) { core in
                let result = core.iotShadowRequest(target, operation, payload: Array((request.payload ?? "").utf8), now: .now())
                outcome = result.outcome
                sent = result.actions
                return result.actions
            }
            guard let outcome else { return ControlMessage.Reply(ok: false, summary: "this lab has no AWS IoT twin (aws_iot: in lab.yaml)") }
            saveTwinIfChanged()
            let replies = outcome.messages.map { ControlMessage.Published(topic: $0.topic, payload: String(decoding: $0.payload, as: UTF8.self)) }
            let delivered = published(sent).count
            return ControlMessage.Reply(ok: outcome.errorCode == nil, summary: outcome.summary + " (\(delivered) delivery(ies) to subscribers)",
                                        errorCode: outcome.errorCode, published: replies)
        case "shadow-document":
            let target = ShadowRequest.Target(thing: request.thing, shadow: request.shadow)
            let document: [UInt8]?? = state.withLock { state in
                state.core.twin.map { $0.shadows.document(target, now: $0.clock() / 1000) }
            }
            guard let document else { return ControlMessage.Reply(ok: false, summary: "this lab has no AWS IoT twin (aws_iot: in lab.yaml)") }
            guard let document else { return ControlMessage.Reply(ok: false, summary: "there is no \(target)", errorCode: 404) }
            return ControlMessage.Reply(ok: true, summary: "shadow \(target)", document: String(decoding: document, as: UTF8.self))
        case "job-create":
            var failure: String?
            var sent: [BrokerAction] = []
            let hasTwin = state.withLock { $0.core.twin != nil }
            guard hasTwin else { return ControlMessage.Reply(ok: false, summary: "this lab has no AWS IoT twin (aws_iot: in lab.yaml)") }
            _ = perform(nil) { core in
                do {
                    sent = try core.iotCreateJob(jobID: request.jobID ?? "", thing: request.thing, document: Array((request.payload ?? "").utf8), now: .now())
                } catch {
                    failure = "\(error)"
                }
                return sent
            }
            if let failure { return ControlMessage.Reply(ok: false, summary: failure) }
            saveTwinIfChanged()
            return ControlMessage.Reply(ok: true, summary: "job \(request.jobID ?? "") queued for \(request.thing)", published: published(sent))
        default:
            return ControlMessage.Reply(ok: false, summary: "unknown control request \(request.op)")
        }
    }
}
