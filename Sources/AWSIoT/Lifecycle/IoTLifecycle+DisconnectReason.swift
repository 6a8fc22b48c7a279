extension IoTLifecycle {
    /// The `disconnectReason` of a `disconnected` event, with AWS's values.
    public enum DisconnectReason: String, Sendable, Hashable, Codable, CaseIterable {
        /// The client failed authentication (sent only if it had been connected).
        case authError = "AUTH_ERROR"
        /// The client sent DISCONNECT (the only reason without a Last Will).
        case clientInitiatedDisconnect = "CLIENT_INITIATED_DISCONNECT"
        /// The client broke the protocol: a second CONNECT, a payload over the limit, a malformed packet.
        case clientError = "CLIENT_ERROR"
        /// The connection dropped without a DISCONNECT.
        case connectionLost = "CONNECTION_LOST"
        /// Another client connected with the same client id; this is the older one.
        case duplicateClientID = "DUPLICATE_CLIENTID"
        /// The policy denied a later action, or the certificate left ACTIVE (sent only if it had been connected).
        case forbiddenAccess = "FORBIDDEN_ACCESS"
        /// No packet within 1.5 × keep-alive.
        case mqttKeepAliveTimeout = "MQTT_KEEP_ALIVE_TIMEOUT"
        /// An internal error on the server.
        case serverError = "SERVER_ERROR"
        /// The server closed the connection (in the lab: `pkilab` stopping or a manual kick).
        case serverInitiatedDisconnect = "SERVER_INITIATED_DISCONNECT"
        /// Disconnected through the DeleteConnection API.
        case apiInitiatedDisconnect = "API_INITIATED_DISCONNECT"
        /// Over a rate limit.
        case throttled = "THROTTLED"
        /// A WebSocket connection outlived its time to live.
        case websocketTTLExpiration = "WEBSOCKET_TTL_EXPIRATION"
        /// A custom-authorizer connection outlived its time to live.
        case customAuthTTLExpiration = "CUSTOMAUTH_TTL_EXPIRATION"

        /// Whether the client ended the connection itself (`clientInitiatedDisconnect`).
        public var isClientInitiated: Bool { self == .clientInitiatedDisconnect }
    }
}
