/// Something worth knowing about a connection even when it worked, as facts; ``text`` (in
/// `RejectionReason+Words.swift`, with every other word a connection event carries) says it.
public enum ConnectionNote: Sendable, Hashable {
    /// The client asked for TLS records of at most `bytes` (RFC 6066 max_fragment_length), which the lab does
    /// not honour.
    case maxFragmentLength(bytes: Int)
    /// The client asked for TLS records of at most `bytes` and the lab (the OpenSSL engine) honoured it.
    case maxFragmentLengthHonoured(bytes: Int)
    /// A resumed session's certificate was checked again and still passes.
    case resumedSessionChecked
    /// No client certificate, let in by `client_auth: optional`.
    case noCertificateOptional
    /// The client hung up right after its side of the handshake, once its certificate had been accepted.
    case closedAfterAccepted
    /// The client sent no intermediate; the lab completed the chain with these authorities.
    case chainCompleted(authorities: [String])
    /// The ALPN-dispatching AWS port (443) negotiated `alpn` and handed the connection to `application`.
    case alpnDispatched(alpn: String, application: Application)

    /// Where an ALPN-dispatching port hands a connection it answers.
    public enum Application: String, Sendable, Hashable {
        case mqtt, https
    }
}
