/// Who a connected client is, as its certificate says: the values the policy's templates are filled with.
public struct ClientIdentity: Sendable, Hashable {
    /// The name chosen by the listener's ``IdentitySource`` (`${identity}`).
    public var name: String
    /// The subject's common name (`${cn}`), if it has one.
    public var commonName: String?
    /// The whole subject as text.
    public var subject: String
    /// The SHA-256 of the certificate's DER in hex (AWS IoT's certificate id), when the listener knows it.
    public var fingerprint: String? = nil

    public init(name: String, commonName: String?, subject: String) {
        self.name = name
        self.commonName = commonName
        self.subject = subject
    }

    /// Picks the identity out of a certificate's fields; nil when the chosen field is missing.
    public init?(source: IdentitySource, commonName: String?, subject: String, uris: [String], dnsNames: [String]) {
        let name: String?
        switch source {
        case .commonName: name = commonName
        case .sanURI: name = uris.first
        case .sanDNS: name = dnsNames.first
        case .subject: name = subject
        }
        guard let name, !name.isEmpty else { return nil }
        self.init(name: name, commonName: commonName, subject: subject)
    }
}
