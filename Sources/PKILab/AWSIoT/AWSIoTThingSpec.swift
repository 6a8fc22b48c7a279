/// A thing in the AWS IoT twin's registry (`aws_iot.things.NAME`): the certificates attached to it, its type
/// and attributes, which policy variables such as `${iot:Connection.Thing.Attributes[room]}` read.
public struct AWSIoTThingSpec: Sendable, Hashable {
    public var name: String
    /// Names of registered lab certificates (`aws_iot.certificates`).
    public var certificates: [String]
    public var typeName: String?
    public var attributes: [String: String]

    public init(name: String, certificates: [String], typeName: String? = nil, attributes: [String: String] = [:]) {
        self.name = name
        self.certificates = certificates
        self.typeName = typeName
        self.attributes = attributes
    }
}
