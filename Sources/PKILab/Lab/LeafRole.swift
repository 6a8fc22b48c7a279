/// What a leaf certificate is for, which decides its extended key usage.
public enum LeafRole: String, Sendable, Hashable, Codable, CaseIterable {
    /// A TLS server (EKU serverAuth).
    case server
    /// A TLS client such as a device (EKU clientAuth only).
    case client
    /// Both (EKU serverAuth and clientAuth).
    case both

    public var servesTLS: Bool { self != .client }
    public var authenticatesClients: Bool { self != .server }
}
