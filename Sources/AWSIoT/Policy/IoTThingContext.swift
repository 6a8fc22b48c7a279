/// The thing a connection is associated with, as the thing policy variables (`${iot:Connection.Thing.…}`) see it.
///
/// AWS associates a connection with the thing whose name equals the client ID; the variables other than
/// `IsAttached` resolve only when the connection's certificate is attached to that thing.
public struct IoTThingContext: Sendable, Hashable {
    /// The thing's name (`${iot:Connection.Thing.ThingName}`).
    public var name: String
    /// Its thing type (`${iot:Connection.Thing.ThingTypeName}`), if it has one.
    public var typeName: String?
    /// Its attributes (`${iot:Connection.Thing.Attributes[key]}`).
    public var attributes: [String: String]
    /// Whether the connection's certificate is attached to the thing (`${iot:Connection.Thing.IsAttached}`).
    public var isAttached: Bool

    public init(name: String, typeName: String? = nil, attributes: [String: String] = [:], isAttached: Bool = true) {
        self.name = name
        self.typeName = typeName
        self.attributes = attributes
        self.isAttached = isAttached
    }
}
