/// A certificate authority as `lab.yaml` declares it: a root (no parent) or an intermediate.
public struct AuthoritySpec: Sendable, Hashable {
    /// The key under `authorities:`, which is also its folder name in `ca/authorities/`.
    public var name: String
    /// The authority that signs this one; nil for a root.
    public var parent: String?
    public var subject: SubjectSpec
    public var key: KeyAlgorithm
    public var validity: ValiditySpec
    /// The basicConstraints path length: how many authorities may stand below this one; nil for no limit.
    public var pathLength: Int?
    /// Optional name constraints (critical, as RFC 5280 requires).
    public var nameConstraints: NameConstraintsSpec?
    /// Where it was declared, for error messages.
    public var location: SourceLocation
    /// The CRL distribution point an intermediate carries: its parent's CRL (nil for a root).
    public var crlURL: String?
    /// The OCSP responder an intermediate's authority information access names (nil for a root).
    public var ocspURL: String?

    public init(name: String, parent: String?, subject: SubjectSpec, key: KeyAlgorithm, validity: ValiditySpec,
                pathLength: Int?, nameConstraints: NameConstraintsSpec?, location: SourceLocation) {
        self.name = name
        self.parent = parent
        self.subject = subject
        self.key = key
        self.validity = validity
        self.pathLength = pathLength
        self.nameConstraints = nameConstraints
        self.location = location
        self.crlURL = nil
        self.ocspURL = nil
    }

    public var isRoot: Bool { parent == nil }

    /// The part of the spec that is bound to the authority's key pair and subject: changing it means a new
    /// authority, which pkilab refuses to do without `--force`.
    public var identityDigestText: String {
        "authority \(name) key=\(key.rawValue) subject=\(subject) parent=\(parent ?? "-")"
    }

    /// Everything that goes into the certificate, for deciding whether it must be re-signed.
    public var specDigestText: String {
        "\(identityDigestText) validity=\(validity) pathlen=\(pathLength.map(String.init) ?? "-") nc=\(nameConstraints?.description ?? "-")"
    }
}
