import PKILab

/// A lab identity's files, for clients: what to pass as CA, certificate and key.
public struct IdentityFiles: Sendable, Codable {
    public var name: String
    public var role: LeafRole
    public var cert: String
    public var key: String
    public var chain: String
    public var fullchain: String

    /// The files of `leaf` in `directory`.
    public init(_ leaf: LeafSpec, in directory: CADirectory) {
        let files = directory.certificate(leaf.name)
        name = leaf.name
        role = leaf.role
        cert = files.certificate
        key = files.key
        chain = files.chain
        fullchain = files.fullchain
    }
}
