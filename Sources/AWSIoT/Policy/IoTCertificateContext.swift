/// The client certificate of a connection, as the certificate policy variables (`${iot:CertificateId}`,
/// `${iot:Certificate.…}`) see it.
public struct IoTCertificateContext: Sendable, Hashable {
    /// One attribute of a distinguished name, in certificate order: `("CommonName", "device-001")`. Attribute names
    /// are AWS's (`CommonName`, `Organization`, `OrganizationalUnit`, `Country`, `State`, `Locality`, `SerialNumber`,
    /// `Title`, `Surname`, `GivenName`, `Initials`, `Pseudonym`, `GenerationQualifier`, `DistinguishedNameQualifier`);
    /// the usual short forms (`CN`, `O`, `OU`, `C`, `ST`, `L`, …) are accepted too.
    public struct Attribute: Sendable, Hashable {
        public var attribute: String
        public var value: String

        public init(_ attribute: String, _ value: String) {
            self.attribute = attribute
            self.value = value
        }
    }

    /// A certificate's alternative names by kind, each list in certificate order.
    public struct AlternativeNames: Sendable, Hashable {
        public var dnsNames: [String]
        public var ipAddresses: [String]
        public var uniformResourceIdentifiers: [String]
        public var rfc822Names: [String]
        public var directoryNames: [String]

        public init(
            dnsNames: [String] = [], ipAddresses: [String] = [], uniformResourceIdentifiers: [String] = [],
            rfc822Names: [String] = [], directoryNames: [String] = []
        ) {
            self.dnsNames = dnsNames
            self.ipAddresses = ipAddresses
            self.uniformResourceIdentifiers = uniformResourceIdentifiers
            self.rfc822Names = rfc822Names
            self.directoryNames = directoryNames
        }

        /// The names under AWS's variable suffixes (`DNSName`, `IPAddress`, …), in that order, empty kinds left out.
        var byVariableName: [(String, [String])] {
            [("DNSName", dnsNames), ("IPAddress", ipAddresses), ("UniformResourceIdentifier", uniformResourceIdentifiers),
             ("RFC822Name", rfc822Names), ("DirectoryName", directoryNames)].filter { !$0.1.isEmpty }
        }
    }

    /// The certificate ID: 64 lowercase hex digits, the SHA-256 of the DER (`${iot:CertificateId}`).
    public var id: String
    public var subject: [Attribute]
    public var issuer: [Attribute]
    /// The serial number in hex (`${iot:Certificate.SerialNumber}`).
    public var serialNumber: String?
    public var subjectAlternativeNames: AlternativeNames
    public var issuerAlternativeNames: AlternativeNames

    public init(
        id: String, subject: [Attribute] = [], issuer: [Attribute] = [], serialNumber: String? = nil,
        subjectAlternativeNames: AlternativeNames = .init(), issuerAlternativeNames: AlternativeNames = .init()
    ) {
        self.id = id
        self.subject = subject
        self.issuer = issuer
        self.serialNumber = serialNumber
        self.subjectAlternativeNames = subjectAlternativeNames
        self.issuerAlternativeNames = issuerAlternativeNames
    }

    /// A certificate whose names are given as `(attribute, value)` pairs, e.g. `[("CommonName", "device-001")]`.
    public init(
        id: String, subject: [(String, String)], issuer: [(String, String)] = [], serialNumber: String? = nil,
        subjectAlternativeNames: AlternativeNames = .init()
    ) {
        self.init(
            id: id, subject: subject.map { Attribute($0.0, $0.1) }, issuer: issuer.map { Attribute($0.0, $0.1) },
            serialNumber: serialNumber, subjectAlternativeNames: subjectAlternativeNames)
    }

    /// AWS's name for a distinguished-name attribute given by AWS name or short form, or the input if unknown.
    static func canonicalAttributeName(_ name: String) -> String {
        let known: [String: String] = [
            "cn": "CommonName", "o": "Organization", "ou": "OrganizationalUnit", "c": "Country", "st": "State",
            "s": "State", "l": "Locality", "serialnumber": "SerialNumber", "t": "Title", "title": "Title",
            "sn": "Surname", "surname": "Surname", "gn": "GivenName", "givenname": "GivenName", "initials": "Initials",
            "pseudonym": "Pseudonym", "generationqualifier": "GenerationQualifier", "dnqualifier": "DistinguishedNameQualifier",
            "distinguishednamequalifier": "DistinguishedNameQualifier", "commonname": "CommonName",
            "organization": "Organization", "organizationalunit": "OrganizationalUnit", "country": "Country",
            "state": "State", "locality": "Locality",
        ]
        return known[name.lowercased()] ?? name
    }
}
