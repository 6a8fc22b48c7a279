import MQTTCodec

/// What the I/O layer must do after the broker took a step, in order.
public enum BrokerAction: Sendable, Hashable {
    /// Write this packet to the connection (encoded in the connection's protocol version).
    case send(ConnectionID, MQTTPacket)
    /// Flush what was written and close the connection.
    case close(ConnectionID)
    /// Record this event.
    case event(BrokerEvent)
}
