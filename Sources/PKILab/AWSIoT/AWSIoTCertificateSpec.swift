import AWSIoT

/// A lab certificate registered with the AWS IoT twin (`aws_iot.certificates.NAME`): its status and the policies
/// attached to it (AWS attaches policies to the certificate, the principal, not to the thing).
public struct AWSIoTCertificateSpec: Sendable, Hashable {
    /// The lab certificate's name (`certificates:`).
    public var identity: String
    public var status: IoTCertificateStatus
    /// Names of `aws_iot.policies` entries, in the order written.
    public var policies: [String]

    public init(identity: String, status: IoTCertificateStatus = .active, policies: [String] = []) {
        self.identity = identity
        self.status = status
        self.policies = policies
    }
}
