/// A request a device publishes to a shadow topic: which shadow (``Target``) and what it asks (``ShadowOperation``).
public struct ShadowRequest: Sendable, Hashable {
    public var target: Target
    public var operation: ShadowOperation

    public init(target: Target, operation: ShadowOperation) {
        self.target = target
        self.operation = operation
    }

    /// A thing's classic (unnamed) shadow, or one of its named shadows.
    public struct Target: Sendable, Hashable, Codable, CustomStringConvertible {
        /// The thing name (see ``ThingName``).
        public var thing: String
        /// The shadow name, 1–64 characters from `a-z A-Z 0-9 $ : _ -`; nil for the classic shadow.
        public var shadow: String?

        public init(thing: String, shadow: String? = nil) {
            self.thing = thing
            self.shadow = shadow
        }

        /// `$aws/things/<thing>/shadow` or `$aws/things/<thing>/shadow/name/<shadow>`: what every topic of this shadow
        /// starts with.
        public var topicPrefix: String {
            if let shadow { "$aws/things/\(thing)/shadow/name/\(shadow)" } else { "$aws/things/\(thing)/shadow" }
        }

        /// "shadow of device-001" or "shadow \"config\" of device-001", for the lab's event log.
        public var description: String {
            if let shadow { "shadow \"\(shadow)\" of \(thing)" } else { "shadow of \(thing)" }
        }

        /// "shadow update of device-001" or "shadow update of device-001 (named shadow \"config\")": a request on
        /// this shadow, for the lab's event log.
        public func request(_ operation: ShadowOperation) -> String {
            let named = shadow.map { " (named shadow \"\($0)\")" } ?? ""
            return "shadow \(operation.rawValue) of \(thing)\(named)"
        }

        /// Whether `name` is a shadow name AWS IoT accepts: 1–64 characters from `a-z A-Z 0-9 $ : _ -`.
        public static func isValidShadowName(_ name: String) -> Bool {
            let scalars = name.unicodeScalars
            guard (1...64).contains(scalars.count) else { return false }
            return scalars.allSatisfy { scalar in
                switch scalar {
                case "a"..."z", "A"..."Z", "0"..."9", "$", ":", "_", "-": true
                default: false
                }
            }
        }
    }
}
