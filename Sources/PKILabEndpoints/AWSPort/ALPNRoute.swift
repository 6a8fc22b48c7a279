import PKILab

/// Where AWS IoT's port 443 twin sends a connection, by the ALPN protocol its handshake negotiated.
enum ALPNRoute: Sendable, Equatable {
    /// To the broker (`x-amzn-mqtt-ca`, `mqtt`) or the HTTPS routes (`x-amzn-http-ca`), for the protocol `alpn`.
    case application(ConnectionNote.Application, alpn: String)
    /// Nowhere: held without an answer, as AWS holds what it takes for WebSocket/SigV4.
    case unanswered

    /// The route for the protocol the handshake negotiated (nil: none).
    init(alpn: String?) {
        switch alpn {
        case let alpn? where EndpointSpec.awsMQTTProtocols.contains(alpn): self = .application(.mqtt, alpn: alpn)
        case EndpointSpec.awsHTTPSProtocol?: self = .application(.https, alpn: EndpointSpec.awsHTTPSProtocol)
        default: self = .unanswered
        }
    }
}
