import MQTTBroker

/// A validated lab: its authorities in issuing order (every parent before its children) and its leaves.
///
/// Build one with ``LabFileReader``; every value in it has been checked, so issuing cannot fail on the spec.
public struct Lab: Sendable {
    public var name: String
    /// The file it was read from, as the user named it.
    public var file: String
    public var authorities: [AuthoritySpec]
    public var certificates: [LeafSpec]
    public var defaults: LabDefaults
    /// What `pkilab up` serves; by default a TLS echo and an HTTPS endpoint presenting the first server certificate.
    public var endpoints: [EndpointSpec]
    /// Who may publish and subscribe where on the MQTT endpoints; nil when the lab has no `policy:` (then
    /// everything is allowed, and `pkilab up` says so).
    public var policy: BrokerPolicy?
    /// The MQTT broker's caps across its listeners (`broker:`).
    public var brokerQuotas = BrokerQuotas()
    /// The zoo's listeners, when the lab has a `zoo:` section (`pkilab up --zoo` adds the default).
    public var zoo: ZooSpec?
    /// The base URL of the CRLs, as every certificate's CRL distribution point names them (`URL/AUTHORITY.crl`).
    public var crlBaseURL: String
    /// The OCSP responder's URL, as every certificate's authority information access names it.
    public var ocspURL: String
    /// How `ca/events.jsonl` rotates (`events: { max_size: 10MiB, keep: 5 }`).
    public var events: EventRotation = .standard
    /// The OTA server and its object store (`ota:`), if the lab has them.
    public var ota: OTASpec?
    /// The AWS IoT Core twin (`aws_iot:`), if the lab has one.
    public var awsIoT: AWSIoTSpec?

    public init(name: String, file: String, authorities: [AuthoritySpec], certificates: [LeafSpec], defaults: LabDefaults,
                endpoints: [EndpointSpec] = [], policy: BrokerPolicy? = nil, zoo: ZooSpec? = nil,
                crlBaseURL: String = "http://localhost:\(EndpointSpec.Kind.crl.defaultPort)/crl",
                ocspURL: String = "http://localhost:\(EndpointSpec.Kind.crl.defaultPort)/ocsp") {
        self.zoo = zoo
        self.crlBaseURL = crlBaseURL
        self.ocspURL = ocspURL
        self.name = name
        self.file = file
        self.authorities = authorities
        self.certificates = certificates
        self.defaults = defaults
        self.endpoints = endpoints
        self.policy = policy
    }

    /// The authorities that sign no other authority, which sign a certificate that names no issuer (and a fleet
    /// without `--issuer`) when there is one of them; the object store's authority (`ota:`) is left out when others remain.
    public static func bottomAuthorities(_ authorities: [AuthoritySpec], storeAuthority: String?) -> [AuthoritySpec] {
        let bottom = authorities.filter { authority in !authorities.contains { $0.parent == authority.name } }
        let devices = bottom.filter { $0.name != storeAuthority }
        return devices.isEmpty ? bottom : devices
    }

    /// ``bottomAuthorities(_:storeAuthority:)`` of this lab.
    public var bottomAuthorities: [AuthoritySpec] { Self.bottomAuthorities(authorities, storeAuthority: ota?.store.authority) }

    public func authority(named name: String) -> AuthoritySpec? {
        authorities.first { $0.name == name }
    }

    /// The chain of authorities from `name` up to its root, `name` first.
    public func ancestry(of name: String) -> [AuthoritySpec] {
        var chain: [AuthoritySpec] = []
        var next: String? = name
        while let current = next, let spec = authority(named: current), !chain.contains(where: { $0.name == current }) {
            chain.append(spec)
            next = spec.parent
        }
        return chain
    }
}

/// Values that apply wherever a certificate does not say otherwise.
public struct LabDefaults: Sendable, Hashable {
    public var key: KeyAlgorithm
    public var leafValidity: LabDuration
    public var authorityValidity: LabDuration
    public var skew: LabDuration

    public static let standard = LabDefaults(
        key: .ecP256,
        leafValidity: LabDuration(parsing: "825d")!,
        authorityValidity: LabDuration(parsing: "10y")!,
        skew: LabDuration(parsing: "1h")!
    )

    public init(key: KeyAlgorithm, leafValidity: LabDuration, authorityValidity: LabDuration, skew: LabDuration) {
        self.key = key
        self.leafValidity = leafValidity
        self.authorityValidity = authorityValidity
        self.skew = skew
    }
}
