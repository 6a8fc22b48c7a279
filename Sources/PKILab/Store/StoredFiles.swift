/// The files of one certificate folder in the store: an authority's, a leaf's, a fleet member's or one of the zoo's.
///
/// ```swift
/// let files = store.directory.certificate("device-001")
/// files.fullchain   // ca/certs/device-001/fullchain.pem
/// ```
public struct StoredFiles: Sendable, Hashable {
    /// The certificate's own file name.
    public static let certificateName = "cert.pem"
    /// The private key's file name (0600).
    public static let keyName = "key.pem"
    /// The file name of the authorities between the certificate and the root, without the root.
    public static let chainName = "chain.pem"
    /// The file name of the certificate followed by its chain: what a server or device presents.
    public static let fullchainName = "fullchain.pem"

    /// The folder that holds the files.
    public var folder: String

    /// The files in `folder`.
    public init(folder: String) {
        self.folder = folder
    }

    /// `cert.pem`: the certificate.
    public var certificate: String { "\(folder)/\(Self.certificateName)" }
    /// `key.pem`: its private key.
    public var key: String { "\(folder)/\(Self.keyName)" }
    /// `chain.pem`: the authorities between it and the root.
    public var chain: String { "\(folder)/\(Self.chainName)" }
    /// `fullchain.pem`: the certificate followed by `chain.pem`.
    public var fullchain: String { "\(folder)/\(Self.fullchainName)" }
}
