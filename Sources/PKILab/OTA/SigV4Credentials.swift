/// One access key a pre-signed URL can be signed with: the key ID that appears in `X-Amz-Credential`, its secret, and
/// the scope (region and service) the signing key is derived for.
///
/// Lab keys are not secrets in any real sense; AWS's documentation pair (`AKIAIOSFODNN7EXAMPLE` /
/// `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`) is a fine choice.
public struct SigV4Credentials: Sendable, Hashable {
    /// The access key ID, e.g. `AKIAIOSFODNN7EXAMPLE`: the first field of `X-Amz-Credential`.
    public var accessKeyID: String
    /// The secret access key; `"AWS4" + secretAccessKey` is the key of the first HMAC in the signing-key chain.
    public var secretAccessKey: String
    /// The region of the credential scope, `us-east-1` unless told.
    public var region: String
    /// The service of the credential scope, `s3` unless told.
    public var service: String

    public init(accessKeyID: String, secretAccessKey: String, region: String = "us-east-1", service: String = "s3") {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.region = region
        self.service = service
    }
}
