import NIOCore

/// Reading and writing MQTT's data representations (MQTT 3.1.1 §1.5, MQTT 5.0 §1.5).
///
/// The readers work on a packet body that is already complete, so running out of bytes is a malformed
/// packet, never "need more data".
extension ByteBuffer {
    /// Reads a byte.
    mutating func readMQTTByte(_ what: String) throws(MQTTCodecError) -> UInt8 {
        guard let value = self.readInteger(as: UInt8.self) else {
            throw .truncated(what)
        }
        return value
    }

    /// Reads a big-endian Two Byte Integer.
    mutating func readMQTTUInt16(_ what: String) throws(MQTTCodecError) -> UInt16 {
        guard let value = self.readInteger(endianness: .big, as: UInt16.self) else {
            throw .truncated(what)
        }
        return value
    }

    /// Reads a big-endian Four Byte Integer.
    mutating func readMQTTUInt32(_ what: String) throws(MQTTCodecError) -> UInt32 {
        guard let value = self.readInteger(endianness: .big, as: UInt32.self) else {
            throw .truncated(what)
        }
        return value
    }

    /// Reads a UTF-8 Encoded String: a two-byte length, then well-formed UTF-8 without U+0000.
    ///
    /// - Throws: ``MQTTCodecError/Code/invalidUTF8`` for ill-formed UTF-8 ([MQTT-1.5.3-1]) or a null
    ///   character ([MQTT-1.5.3-2]); ``MQTTCodecError/Code/malformedPacket`` when the string is cut short.
    mutating func readMQTTString(_ what: String) throws(MQTTCodecError) -> String {
        let length = try self.readMQTTUInt16("\(what) length")
        guard let bytes = self.readSlice(length: Int(length)) else {
            throw .truncated(what)
        }
        return try Self.validatedString(bytes.readableBytesView, what)
    }

    /// Checks that `bytes` are well-formed UTF-8 with no U+0000 and returns them as a string.
    static func validatedString(_ bytes: ByteBufferView, _ what: String) throws(MQTTCodecError) -> String {
        if bytes.contains(0) {
            throw MQTTCodecError(.invalidUTF8, "[MQTT-1.5.3-2] the \(what) contains the null character U+0000")
        }
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw MQTTCodecError(.invalidUTF8, "[MQTT-1.5.3-1] the \(what) is not well-formed UTF-8")
        }
        return string
    }

    /// Reads Binary Data: a two-byte length, then that many bytes.
    mutating func readMQTTBinary(_ what: String) throws(MQTTCodecError) -> ByteBuffer {
        let length = try self.readMQTTUInt16("\(what) length")
        guard let bytes = self.readSlice(length: Int(length)) else {
            throw .truncated(what)
        }
        return bytes
    }

    /// Writes a UTF-8 Encoded String with its two-byte length; the caller keeps it under 65,536 bytes.
    @discardableResult
    mutating func writeMQTTString(_ string: String) -> Int {
        let length = string.utf8.count
        precondition(length <= Int(UInt16.max), "an MQTT string is limited to 65,535 bytes")
        return self.writeInteger(UInt16(length)) + self.writeString(string)
    }

    /// Writes Binary Data with its two-byte length.
    @discardableResult
    mutating func writeMQTTBinary(_ bytes: ByteBuffer) -> Int {
        precondition(bytes.readableBytes <= Int(UInt16.max), "MQTT binary data is limited to 65,535 bytes")
        var bytes = bytes
        return self.writeInteger(UInt16(bytes.readableBytes)) + self.writeBuffer(&bytes)
    }

    /// Fails unless the body has been read to its end.
    func expectFullyRead(_ packet: PacketType) throws(MQTTCodecError) {
        if self.readableBytes > 0 {
            throw .malformed("the \(packet) has \(self.readableBytes) bytes after its last field")
        }
    }
}
