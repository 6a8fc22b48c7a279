import NIOCore

/// The property block of an MQTT 5.0 packet: a length, then properties in any order.
///
/// Kept as the list the peer sent (order matters for User Properties, which may repeat), with the
/// spec's once-only rule checked on decode so the broker never has to pick between two Topic Aliases.
public struct Properties: Sendable, Hashable, ExpressibleByArrayLiteral {
    /// Where a property block sits, which decides the properties it may hold.
    enum Context: Hashable {
        case packet(PacketType)
        case will
    }

    /// The properties in the order they were sent.
    public var elements: [Property]

    public init(_ elements: [Property] = []) {
        self.elements = elements
    }

    public init(arrayLiteral elements: Property...) {
        self.elements = elements
    }

    /// Whether there are none.
    public var isEmpty: Bool {
        self.elements.isEmpty
    }

    /// The Topic Alias, if any.
    public var topicAlias: UInt16? {
        for case .topicAlias(let alias) in self.elements { return alias }
        return nil
    }

    /// The Session Expiry Interval, if any.
    public var sessionExpiryInterval: UInt32? {
        for case .sessionExpiryInterval(let value) in self.elements { return value }
        return nil
    }

    /// The Maximum Packet Size, if any.
    public var maximumPacketSize: UInt32? {
        for case .maximumPacketSize(let value) in self.elements { return value }
        return nil
    }

    /// The User Properties, in order.
    public var userProperties: [(name: String, value: String)] {
        self.elements.compactMap { property in
            if case .userProperty(let name, let value) = property { return (name, value) }
            return nil
        }
    }

    /// The number of bytes the properties take, without the length in front.
    var contentLength: Int {
        var scratch = ByteBuffer()
        for property in self.elements {
            property.write(to: &scratch)
        }
        return scratch.readableBytes
    }

    /// The number of bytes the block takes, length included.
    var encodedLength: Int {
        let content = self.contentLength
        return VariableByteInteger.size(of: content) + content
    }

    /// Reads a property block and checks which properties may appear, and how often.
    ///
    /// - Throws: ``MQTTCodecError/Code/duplicateProperty`` for a second copy of a once-only property
    ///   (all but User Property, and Subscription Identifier in PUBLISH); ``MQTTCodecError/Code/invalidProperty``
    ///   for one the packet may not carry.
    static func read(from buffer: inout ByteBuffer, in context: Context) throws(MQTTCodecError) -> Properties {
        let length = try VariableByteInteger.readComplete(from: &buffer, "property length")
        guard var block = buffer.readSlice(length: length) else {
            throw .truncated("properties")
        }
        var elements: [Property] = []
        var seen: Set<UInt8> = []
        while block.readableBytes > 0 {
            let property = try Property.read(from: &block)
            let identifier = property.identifier
            guard Property.isAllowed(identifier, in: context) else {
                throw MQTTCodecError(
                    .invalidProperty,
                    "[MQTT-2.2.2] property 0x\(String(identifier, radix: 16)) is not allowed in \(context)"
                )
            }
            let repeatable = identifier == 0x26 || (identifier == 0x0B && context == .packet(.publish))
            if !repeatable && !seen.insert(identifier).inserted {
                throw MQTTCodecError(
                    .duplicateProperty,
                    "[MQTT-2.2.2] property 0x\(String(identifier, radix: 16)) appears more than once in \(context)"
                )
            }
            elements.append(property)
        }
        return Properties(elements)
    }

    /// Writes the length and the properties.
    func write(to buffer: inout ByteBuffer) {
        VariableByteInteger.write(self.contentLength, to: &buffer)
        for property in self.elements {
            property.write(to: &buffer)
        }
    }
}

extension Properties.Context: CustomStringConvertible {
    var description: String {
        switch self {
        case .packet(let type): "a \(type)"
        case .will: "the will properties"
        }
    }
}
