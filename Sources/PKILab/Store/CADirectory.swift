import Foundation

/// The layout of a certificate store (`ca/` for the default lab).
///
/// ```
/// ca/
///   root.pem                      the trust anchor(s): every root of the lab
///   index.json                    every certificate ever issued, current and superseded
///   authorities/NAME/cert.pem     an authority's certificate
///   authorities/NAME/key.pem      its private key (0600)
///   authorities/NAME/chain.pem    intermediates only: this authority and its parents, without the root
///   certs/NAME/cert.pem           a leaf certificate
///   certs/NAME/key.pem            its private key (0600)
///   certs/NAME/chain.pem          the authorities between the leaf and the root (empty when the root signs it)
///   certs/NAME/fullchain.pem      cert.pem followed by chain.pem: what a server or device presents
///   fleet/FLEET/chain.pem         the chain shared by a fleet's devices
///   fleet/FLEET/NAME/{cert,key}.pem  one device of a fleet made by `pkilab fleet`
///   crl/revocations.json          what is revoked, per authority, and each list's CRL number
///   crl/AUTHORITY.crl             each authority's signed CRL (DER), and .crl.pem beside it
///   crl/all.pem                   every CRL in PEM: Mosquitto crlfile, nginx ssl_crl, curl --crlfile
///   zoo/                          the certificates that fail on purpose (pkilab zoo)
///   ota-credentials.json          the lab's key and secret that sign pre-signed OTA URLs (0600)
///   aws-iot-state.json            the AWS IoT twin's Device Shadows and job executions, kept across runs (0600)
///   control.sock                  a running pkilab up's control socket (0600): pkilab shadow and job talk to it
/// ```
public struct CADirectory: Sendable, Hashable {
    /// The store's folder.
    public var path: String

    public init(path: String) {
        self.path = path
    }

    public var rootBundle: String { "\(path)/root.pem" }
    /// `events.jsonl`: every connection of `pkilab up`, one JSON line each (rotated to `.1` … `.5`).
    public var events: String { "\(path)/events.jsonl" }
    /// `endpoints.json`: where a running `pkilab up` listens; written when it is ready, removed when it stops.
    public var readyFile: String { "\(path)/endpoints.json" }
    public var index: String { "\(path)/index.json" }
    public var lockFile: String { "\(path)/.lock" }
    public var authoritiesFolder: String { "\(path)/authorities" }
    public var certificatesFolder: String { "\(path)/certs" }
    public var fleetsFolder: String { "\(path)/fleet" }
    /// `pkilab export` writes `exports/NAME/FORMAT/` unless told otherwise.
    public var exportsFolder: String { "\(path)/exports" }
    public func folder(forExport name: String, format: String) -> String { "\(exportsFolder)/\(name)/\(format)" }

    public var crlFolder: String { "\(path)/crl" }
    public var revocationLedger: String { "\(crlFolder)/revocations.json" }
    public var crlBundle: String { "\(crlFolder)/all.pem" }
    public func crl(forAuthority name: String) -> String { "\(crlFolder)/\(name).crl" }
    public func crlPEM(forAuthority name: String) -> String { "\(crlFolder)/\(name).crl.pem" }

    /// `ota-credentials.json`: the lab's own access key and secret for pre-signed URLs (0600), made once.
    public var otaCredentials: String { "\(path)/ota-credentials.json" }
    /// `aws-iot-state.json`: the AWS IoT twin's shadows and job executions (0600), saved by `pkilab up` as they change.
    public var awsIoTState: String { "\(path)/aws-iot-state.json" }
    /// `control.sock`: where a running `pkilab up` takes `pkilab shadow` and `pkilab job` requests (0600).
    public var controlSocket: String { "\(path)/control.sock" }

    public var zooFolder: String { "\(path)/zoo" }
    public var zooManifest: String { "\(zooFolder)/zoo.json" }
    public func folder(forZooServer name: String) -> String { "\(zooFolder)/servers/\(name)" }
    public func folder(forZooClient name: String) -> String { "\(zooFolder)/clients/\(name)" }
    public func folder(forZooAuthority name: String) -> String { "\(zooFolder)/authorities/\(name)" }

    public func folder(forAuthority name: String) -> String { "\(authoritiesFolder)/\(name)" }
    public func folder(forCertificate name: String) -> String { "\(certificatesFolder)/\(name)" }
    public func folder(forFleet fleet: String) -> String { "\(fleetsFolder)/\(fleet)" }
    public func folder(forFleetMember name: String, of fleet: String) -> String { "\(fleetsFolder)/\(fleet)/\(name)" }

    /// The files of the authority `name`.
    public func authority(_ name: String) -> StoredFiles { StoredFiles(folder: folder(forAuthority: name)) }
    /// The files of the leaf certificate `name` (not a fleet member).
    public func certificate(_ name: String) -> StoredFiles { StoredFiles(folder: folder(forCertificate: name)) }
    /// The files of the zoo's bad server `name`.
    public func zooServer(_ name: String) -> StoredFiles { StoredFiles(folder: folder(forZooServer: name)) }
    /// The chain the devices of `fleet` share.
    public func chain(forFleet fleet: String) -> String { StoredFiles(folder: folder(forFleet: fleet)).chain }

    /// The folder of a leaf, which depends on whether it belongs to a fleet.
    public func folder(for leaf: LeafSpec) -> String {
        leaf.fleet.map { folder(forFleetMember: leaf.name, of: $0) } ?? folder(forCertificate: leaf.name)
    }
}
