/// The distinguished name fields `lab.yaml` lets a person set, in the order they appear in the certificate.
public struct SubjectSpec: Sendable, Hashable, CustomStringConvertible {
    /// The keys accepted under `subject:`, in certificate order.
    public static let keys = ["C", "ST", "L", "O", "OU", "CN", "emailAddress"]

    /// Field values keyed by the names in ``keys``.
    public var fields: [String: String]

    public init(fields: [String: String]) {
        self.fields = fields
    }

    public var commonName: String? { fields["CN"] }

    /// `CN=device-001, O=pkilab`, most specific first, as people read names.
    public var description: String {
        Self.keys.reversed().compactMap { key in fields[key].map { "\(key)=\($0)" } }.joined(separator: ", ")
    }
}
