import Foundation
import NIOCore
import NIOPosix

/// The command line's side of the control socket: sends one request to a running `pkilab up` and waits for its reply.
public enum ControlClient {
    /// Sends `request` to the lab listening at `socket`; throws ``ControlError`` when no lab answers within `timeout`.
    public static func send(_ request: ControlMessage.Request, socket: String, timeout: TimeAmount = .seconds(10)) async throws -> ControlMessage.Reply {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(2))
                .connect(unixDomainSocketPath: socket) { channel in
                    channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
                }
        } catch {
            throw ControlError("no running pkilab up answers at \(socket) (\(error))")
        }
        let data = try JSONEncoder().encode(request)
        return try await withThrowingTaskGroup(of: ControlMessage.Reply.self) { group in
            group.addTask {
                try await channel.executeThenClose { inbound, outbound in
                    var message = ByteBuffer(bytes: data)
                    message.writeInteger(UInt8(ascii: "\n"))
                    try await outbound.write(message)
                    var reply = ByteBuffer()
                    for try await var chunk in inbound { reply.writeBuffer(&chunk) }
                    guard let decoded = try? JSONDecoder().decode(ControlMessage.Reply.self, from: Data(reply.readableBytesView)) else {
                        throw ControlError("the running lab's reply could not be read (\(reply.readableBytes) bytes)")
                    }
                    return decoded
                }
            }
            group.addTask {
                try await Task.sleep(for: .nanoseconds(timeout.nanoseconds))
                throw ControlError("the running lab did not answer within \(timeout.nanoseconds / 1_000_000_000) s")
            }
            defer { group.cancelAll() }
            guard let reply = try await group.next() else { throw ControlError("no reply") }
            return reply
        }
    }
}
