/// The object store of `ota.object_store:`: an S3-like HTTPS listener (server authentication only) presenting a
/// certificate under another authority than the lab's devices know from the endpoints, as a public cloud's would.
public struct ObjectStoreSpec: Sendable, Hashable {
    /// The default name of the certificate pkilab issues for the store (under ``authority``).
    public static let certificateName = "object-store"

    /// The listener's port (default 9443; 0 picks a free one).
    public var port = 9443
    /// The port of the store that presents a certificate under a root no device trusts (the `wrong-ca` fault);
    /// default ``port`` + 1 (0 when ``port`` is 0).
    public var untrustedPort: Int?
    public var bind = "127.0.0.1"
    /// The authority that issues the store's certificate (another root than the devices' server trust, or an
    /// intermediate under it).
    public var authority: String
    /// The lab certificate the store presents (``certificateName`` unless `certificate:` names another).
    public var certificate = ObjectStoreSpec.certificateName
    /// The names the store's certificate carries beyond localhost, 127.0.0.1, ::1 and this machine's (`auto`).
    public var names: [String] = ["s3.lab.test", "*.s3.lab.test"]
    /// The host name pre-signed URLs use; nil for the listener's display host (localhost when on loopback).
    public var urlHost: String?
    /// The bucket in pre-signed URLs (path style: `https://HOST:PORT/BUCKET/KEY`).
    public var bucket = "firmware"
    /// The region in the credential scope.
    public var region = "us-east-1"

    public init(authority: String) {
        self.authority = authority
    }

    /// The untrusted store's port.
    public var resolvedUntrustedPort: Int { untrustedPort ?? (port == 0 ? 0 : port + 1) }
}

extension ObjectStoreSpec {
    /// The listeners `pkilab up` serves for the store: `store`, presenting ``certificate``, and `store-untrusted`,
    /// presenting the zoo's certificate under a root no device trusts (the `wrong-ca` fault). Both ask for no client
    /// certificate, as S3 does not; they take the caps of the HTTPS endpoint.
    public func endpoints(https: EndpointSpec?) -> [EndpointSpec] {
        var store = EndpointSpec(kind: .store, name: "store", bind: bind, port: port, certificate: certificate, clientAuth: .none, trust: [],
                                 alpn: ["http/1.1"], http2: false)
        store.limits = https?.limits ?? ServingLimits()
        store.portSetting = "ota.object_store.port"
        store.bindSetting = "ota.object_store.bind"
        var untrusted = store
        untrusted.name = "store-untrusted"
        untrusted.port = resolvedUntrustedPort
        untrusted.zoo = .untrustedRoot
        untrusted.portSetting = "ota.object_store.untrusted_port"
        return [store, untrusted]
    }
}
