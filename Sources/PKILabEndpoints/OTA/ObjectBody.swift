import _NIOFileSystem
import Foundation
import Hummingbird
import NIOCore
import PKILab

/// The body of an image (or a range of it), streamed from the file in 256 KiB chunks, with a report of how much
/// was sent; optionally cut off after `cutAfter` bytes (the `interrupt` fault), which closes the connection.
enum ObjectBody {
    /// How a body ended.
    struct Ending: Sendable {
        var sent: Int
        var complete: Bool
        var cutOnPurpose: Bool
    }

    struct CutOnPurpose: Error {}

    static func whole(_ image: FirmwareImage) -> ResponseBody {
        image.size == 0 ? ResponseBody() : stream(image, range: 0...(image.size - 1)) { _ in }
    }

    static func stream(_ image: FirmwareImage, range: ClosedRange<Int>, cutAfter: Int? = nil,
                       finished: @escaping @Sendable (Ending) -> Void) -> ResponseBody {
        ResponseBody(contentLength: range.count) { writer in
            var sent = 0
            do {
                try await FileSystem.shared.withFileHandle(forReadingAt: .init(image.path)) { handle in
                    for try await chunk in handle.readChunks(in: Int64(range.lowerBound)...Int64(range.upperBound), chunkLength: .kibibytes(256)) {
                        if let cutAfter, sent + chunk.readableBytes >= cutAfter {
                            let part = chunk.getSlice(at: chunk.readerIndex, length: max(0, cutAfter - sent)) ?? ByteBuffer()
                            try await writer.write(part)
                            sent += part.readableBytes
                            throw CutOnPurpose()
                        }
                        try await writer.write(chunk)
                        sent += chunk.readableBytes
                    }
                }
                try await writer.finish(nil)
                finished(Ending(sent: sent, complete: true, cutOnPurpose: false))
            } catch {
                finished(Ending(sent: sent, complete: false, cutOnPurpose: error is CutOnPurpose))
                throw error
            }
        }
    }
}
