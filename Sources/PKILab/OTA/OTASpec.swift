import Foundation

/// The `ota:` section: an OTA server on the HTTPS endpoint (client certificate required) that answers devices with
/// a short-lived pre-signed URL on an object store under another authority.
public struct OTASpec: Sendable, Hashable {
    /// The images folder as written (resolved against the lab file's folder).
    public var images: String
    /// How long a pre-signed URL is valid, in seconds (`url_lifetime`, default 300; S3 allows 1 to 604800).
    public var urlLifetime: Int = 300
    /// The redirect status the OTA server answers `/ota/update` with (302 unless `redirect:` says 301, 303 or 307).
    public var redirectStatus: Int = 302
    public var store: ObjectStoreSpec
    /// Which images which identities may get; empty for every identity every image.
    public var targets: [OTATarget] = []
    /// A failure on purpose for every request (`fault:`), if any.
    public var fault: OTAFault?
    /// AWS-compatible credentials of the user's (`credentials: { access_key_id, secret_access_key_env }`): the
    /// store also accepts URLs signed with them, and `pkilab ota presign --credentials user` signs with them.
    public var userAccessKeyID: String?
    /// The environment variable that holds the user's secret access key.
    public var userSecretEnvironment: String?
    /// Where `images:` is written, for messages.
    public var imagesLocation: SourceLocation?

    public init(images: String, store: ObjectStoreSpec) {
        self.images = images
        self.store = store
    }

    /// Whether `identity` may get `image`: a deny rule wins; with rules, what none allows is refused.
    public func decide(image: String, identity: String) -> OTATargetDecision {
        guard !targets.isEmpty else { return OTATargetDecision(allowed: true, rule: nil) }
        if let deny = targets.first(where: { $0.effect == .deny && $0.covers(image: image, identity: identity) }) {
            return OTATargetDecision(allowed: false, rule: deny.keyPath)
        }
        if let allow = targets.first(where: { $0.effect == .allow && $0.covers(image: image, identity: identity) }) {
            return OTATargetDecision(allowed: true, rule: allow.keyPath)
        }
        return OTATargetDecision(allowed: false, rule: nil)
    }

    /// The images folder, absolute: `images` against `labFolder`.
    public func imagesFolder(labFolder: String) -> String {
        let joined = images.hasPrefix("/") ? images : (labFolder as NSString).appendingPathComponent(images)
        return (joined as NSString).standardizingPath
    }
}
