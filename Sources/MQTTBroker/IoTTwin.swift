import AWSIoT

/// The AWS IoT Core twin a broker serves on its `aws` listeners: the registry (certificates with status and
/// attached policies, things with attributes), the Device Shadow and Jobs state, and the lab clock their
/// timestamps read. Without a twin, `aws` listeners use the lab's `policy:` rules as before.
public struct IoTTwin: Sendable {
    /// A registered certificate: the principal AWS IoT evaluates policies for.
    public struct Principal: Sendable {
        /// The lab certificate's name.
        public var identity: String
        /// The certificate id: the SHA-256 of its DER, 64 lowercase hex digits (as AWS IoT's).
        public var certificateID: String
        public var status: IoTCertificateStatus
        /// The attached policies, by name, in the order written.
        public var policyNames: [String]
        /// Those policies, ready to evaluate in the lab's region and account.
        public var evaluator: IoTPolicyEvaluator
        /// What the certificate variables (`${iot:Certificate.Subject.CommonName}`, …) read.
        public var certificate: IoTRequestContext.Certificate

        public init(identity: String, certificateID: String, status: IoTCertificateStatus, policyNames: [String],
                    evaluator: IoTPolicyEvaluator, certificate: IoTRequestContext.Certificate) {
            self.identity = identity
            self.certificateID = certificateID
            self.status = status
            self.policyNames = policyNames
            self.evaluator = evaluator
            self.certificate = certificate
        }
    }

    /// A thing in the registry.
    public struct Thing: Sendable {
        public var name: String
        public var typeName: String?
        public var attributes: [String: String]
        /// Certificate ids attached to it.
        public var principals: Set<String>

        public init(name: String, typeName: String?, attributes: [String: String], principals: Set<String>) {
            self.name = name
            self.typeName = typeName
            self.attributes = attributes
            self.principals = principals
        }
    }

    public var region: String
    public var account: String
    /// Registered certificates by certificate id.
    public var principals: [String: Principal]
    public var things: [String: Thing]
    public var shadows: ShadowStore
    public var jobs: JobsStore
    /// Turns the URL in a job document's `${aws:iot:s3-presigned-url:URL}` into a pre-signed one (nil: no object store).
    public var presign: @Sendable (String) -> String?
    /// The lab clock, in milliseconds since 1970 (shadow and job timestamps, lifecycle events).
    public var clock: @Sendable () -> Int64
    /// Lifecycle `versionNumber` per client id: a connected/disconnected pair shares one.
    var lifecycleVersions = LifecycleVersionCounter()
    /// Bumped whenever shadows or jobs change, so the I/O layer knows to save them.
    public internal(set) var generation = 0

    public init(region: String, account: String, principals: [String: Principal], things: [String: Thing], shadows: ShadowStore = ShadowStore(),
                jobs: JobsStore = JobsStore(), presign: @escaping @Sendable (String) -> String? = { _ in nil },
                clock: @escaping @Sendable () -> Int64) {
        self.region = region
        self.account = account
        self.principals = principals
        self.things = things
        self.shadows = shadows
        self.jobs = jobs
        self.presign = presign
        self.clock = clock
    }

    /// The registered certificate whose DER has this SHA-256 (hex, any case, colons allowed).
    public func principal(fingerprint: String) -> Principal? {
        principals[Self.certificateID(fingerprint)]
    }

    /// A SHA-256 fingerprint as AWS IoT writes certificate ids: 64 lowercase hex digits.
    public static func certificateID(_ fingerprint: String) -> String {
        String(fingerprint.lowercased().filter { $0.isHexDigit })
    }
}
