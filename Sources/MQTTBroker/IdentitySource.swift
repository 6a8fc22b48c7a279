/// Which part of the client certificate names the client for the policy (`${identity}`), as Mosquitto's
/// `use_identity_as_username` / `use_subject_as_username` and AWS IoT's thing name do.
public enum IdentitySource: String, Sendable, Hashable, Codable, CaseIterable {
    /// The subject's common name (the default).
    case commonName = "cn"
    /// The first URI subject alternative name.
    case sanURI = "san-uri"
    /// The first DNS subject alternative name.
    case sanDNS = "san-dns"
    /// The whole subject, as RFC 4514 text.
    case subject
}
