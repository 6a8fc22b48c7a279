import NIOCore

/// The 1-to-4-byte length encoding MQTT uses for the remaining length and v5 property lengths.
///
/// Seven bits per byte, least significant group first, the high bit saying "more follows"; at most
/// four bytes, so the largest value is 268,435,455 (MQTT 3.1.1 §2.2.3, MQTT 5.0 §1.5.5).
public enum VariableByteInteger {
    /// The largest value four bytes can hold.
    public static let maximum = 268_435_455

    /// Reads a value, or returns nil (consuming nothing) when the buffer ends before its last byte.
    ///
    /// - Throws: ``MQTTCodecError/Code/malformedVariableByteInteger`` for a fifth byte or a
    ///   longer-than-needed encoding ([MQTT-1.5.5-1]).
    public static func read(from buffer: inout ByteBuffer) throws(MQTTCodecError) -> Int? {
        guard let (value, length) = try self.peek(in: buffer, at: buffer.readerIndex) else {
            return nil
        }
        buffer.moveReaderIndex(forwardBy: length)
        return value
    }

    /// Reads a value that must be complete because the surrounding packet is.
    static func readComplete(from buffer: inout ByteBuffer, _ what: String) throws(MQTTCodecError) -> Int {
        guard let value = try self.read(from: &buffer) else {
            throw .truncated(what)
        }
        return value
    }

    /// Decodes the value starting at `index` without moving the reader index: the value and how many
    /// bytes it took, or nil when more bytes are needed.
    static func peek(in buffer: ByteBuffer, at index: Int) throws(MQTTCodecError) -> (value: Int, length: Int)? {
        var value = 0
        var multiplier = 1
        for offset in 0..<4 {
            guard let byte = buffer.getInteger(at: index + offset, as: UInt8.self) else {
                return nil
            }
            if offset > 0 && byte == 0 {
                throw MQTTCodecError(
                    .malformedVariableByteInteger,
                    "[MQTT-1.5.5-1] a Variable Byte Integer is not encoded in the minimum number of bytes"
                )
            }
            value += Int(byte & 0x7F) * multiplier
            if byte & 0x80 == 0 {
                return (value, offset + 1)
            }
            multiplier *= 128
        }
        throw MQTTCodecError(
            .malformedVariableByteInteger,
            "a Variable Byte Integer continues past its fourth byte (MQTT 3.1.1 §2.2.3, MQTT 5.0 §1.5.5)"
        )
    }

    /// Writes `value` (which must be in `0...maximum`) and returns the number of bytes written.
    @discardableResult
    public static func write(_ value: Int, to buffer: inout ByteBuffer) -> Int {
        precondition(value >= 0 && value <= self.maximum, "\(value) does not fit a Variable Byte Integer")
        var remaining = value
        var written = 0
        repeat {
            var byte = UInt8(remaining % 128)
            remaining /= 128
            if remaining > 0 {
                byte |= 0x80
            }
            written += buffer.writeInteger(byte)
        } while remaining > 0
        return written
    }

    /// How many bytes `value` takes when encoded.
    public static func size(of value: Int) -> Int {
        switch value {
        case ..<128: 1
        case ..<16_384: 2
        case ..<2_097_152: 3
        default: 4
        }
    }
}
