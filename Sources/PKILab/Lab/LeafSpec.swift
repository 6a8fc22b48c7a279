/// A server, client or dual-purpose certificate as `lab.yaml` declares it, with its names resolved.
public struct LeafSpec: Sendable, Hashable {
    /// The key under `certificates:`, which is also its folder name in `ca/certs/`.
    public var name: String
    /// The authority that signs it.
    public var issuer: String
    public var role: LeafRole
    public var subject: SubjectSpec
    /// The subjectAltName entries, in order, with `auto` expanded and the DNS copies of IPv4 names added.
    public var names: [CertificateName]
    public var key: KeyAlgorithm
    public var validity: ValiditySpec
    /// Things pkilab decided on the user's behalf and should say (for example a DNS copy left out).
    public var notices: [String]
    public var location: SourceLocation
    /// Set for certificates made by `pkilab fleet` rather than declared in `lab.yaml`.
    public var fleet: String?
    /// The CRL distribution point it carries: its issuer's CRL.
    public var crlURL: String?
    /// The OCSP responder its authority information access names.
    public var ocspURL: String?

    public init(name: String, issuer: String, role: LeafRole, subject: SubjectSpec, names: [CertificateName],
                key: KeyAlgorithm, validity: ValiditySpec, notices: [String] = [], location: SourceLocation,
                fleet: String? = nil) {
        self.name = name
        self.issuer = issuer
        self.role = role
        self.subject = subject
        self.names = names
        self.key = key
        self.validity = validity
        self.notices = notices
        self.location = location
        self.fleet = fleet
        self.crlURL = nil
        self.ocspURL = nil
    }

    /// Everything that goes into the certificate, for deciding whether it must be reissued. The CRL and OCSP
    /// URLs are not in it: a change of them re-signs the certificate with the same key (the store compares them
    /// with the certificate's own).
    public var specDigestText: String {
        "leaf \(name) issuer=\(issuer) role=\(role.rawValue) key=\(key.rawValue) subject=\(subject) names=\(names.map(\.description).joined(separator: ",")) validity=\(validity)"
    }
}
