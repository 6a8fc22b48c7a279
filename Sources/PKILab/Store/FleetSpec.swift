/// A numbered set of device certificates issued in one go: `device-0001` … `device-1000`, each with
/// CN = client id = its name, as MQTT brokers and AWS IoT thing names expect.
public struct FleetSpec: Sendable, Hashable {
    /// The fleet's name, which is also its folder in `ca/fleet/` and the prefix of its members' names.
    public var name: String
    public var count: Int
    public var start: Int
    public var issuer: String
    public var key: KeyAlgorithm
    public var validity: ValiditySpec

    public init(name: String, count: Int, start: Int = 1, issuer: String, key: KeyAlgorithm, validity: ValiditySpec) {
        self.name = name
        self.count = count
        self.start = start
        self.issuer = issuer
        self.key = key
        self.validity = validity
    }

    /// The member names: the fleet name, a hyphen, and a zero-padded number (at least 4 digits).
    public var memberNames: [String] {
        let last = start + count - 1
        let digits = max(4, String(last).count)
        return (start...last).map { number in
            let text = String(number)
            return "\(name)-" + String(repeating: "0", count: max(0, digits - text.count)) + text
        }
    }

    /// The leaf specs of the members.
    public func members(lab: Lab) -> [LeafSpec] {
        let location = SourceLocation(file: "pkilab fleet", line: 0, column: 0, keyPath: name)
        return memberNames.map { member in
            var leaf = LeafSpec(name: member, issuer: issuer, role: .client, subject: SubjectSpec(fields: ["CN": member]),
                                names: [.uri("urn:pkilab:\(LabBuilder.urnSafe(lab.name)):\(member)")], key: key,
                                validity: validity, location: location, fleet: name)
            leaf.crlURL = "\(lab.crlBaseURL)/\(issuer).crl"
            leaf.ocspURL = lab.ocspURL
            return leaf
        }
    }
}
