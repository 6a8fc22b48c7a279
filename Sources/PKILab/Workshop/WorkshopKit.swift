/// One attendee's kit, as `pkilab workshop kits` writes it and the console lists it: the folder
/// `KITS/NAME/` with the identity's certificate, key, chain, roots, DER forms, PKCS#12 file, C header, password
/// and README.html, and `KITS/NAME.zip` holding the same files.
public struct WorkshopKit: Sendable, Hashable, Codable {
    /// The lab identity the kit is for (a fleet member such as `attendee-0001`, or a certificate of lab.yaml); also
    /// the folder's name.
    public var identity: String
    /// The kit's folder (`ca/workshop/kits/attendee-0001`), as given to ``WorkshopKits/make(lab:store:identities:folder:host:newPasswords:)``.
    public var folder: String
    /// The zip beside the folder (`ca/workshop/kits/attendee-0001.zip`).
    public var zip: String
    /// The password of `NAME.p12` (also in the folder's `password.txt` and README.html); empty when a listed kit
    /// has no readable `password.txt`.
    public var password: String
    /// The names of the files in the folder (no paths), in the order README.html lists them.
    public var files: [String]

    public init(identity: String, folder: String, zip: String, password: String, files: [String]) {
        self.identity = identity
        self.folder = folder
        self.zip = zip
        self.password = password
        self.files = files
    }
}
