import Foundation
import PKILab

/// The lab at a glance, as the console's `/api/lab` serves it: the authorities, each certificate with its chain,
/// the revocations, the endpoints with commands to copy, the kits and the exercises.
///
/// Read from the store on each request (a few small files), so a `pkilab revoke` or `pkilab workshop kits` run
/// beside the lab shows on the next reload.
struct ConsoleLabView: Codable, Sendable {
    /// One certificate as a box of the chain diagram.
    struct Link: Codable, Sendable {
        var name: String
        var subject: String
        var issuer: String
        var serial: String
        var fingerprintSHA256: String
        var notBefore: Date
        var notAfter: Date
        var key: String
        var isAuthority: Bool
    }

    struct Chain: Codable, Sendable {
        var name: String
        var role: String
        /// The leaf first, then each authority up to the root.
        var links: [Link]
    }

    struct Revocation: Codable, Sendable {
        var name: String
        var serial: String
        var reason: String
        var revokedAt: Date
        var authority: String
    }

    struct Command: Codable, Sendable {
        var label: String
        var command: String
    }

    struct Endpoint: Codable, Sendable {
        var name: String
        var kind: String
        var url: String
        var clientAuth: String
        var commands: [Command]
    }

    /// One of the zoo's bad servers, for the zoo exercise.
    struct ZooServerView: Codable, Sendable {
        var name: String
        var url: String
        /// `accept`, `refuse`, `refuse_if_checking_revocation` or `either`.
        var expectation: String
        var problem: String
    }

    struct Exercise: Codable, Sendable {
        var id: String
        var title: String
        var task: String
        var passWhen: String
        var setup: String?
    }

    var lab: String
    var file: String
    var authorities: [Link]
    var certificates: [Chain]
    var revocations: [Revocation]
    var endpoints: [Endpoint]
    /// The zoo's servers (empty without `--zoo`).
    var zoo: [ZooServerView]
    var kits: [String]
    var exercises: [Exercise]
    /// Whether the request carried the teacher's token (the page then offers one-time links).
    var teacher: Bool

    init(lab: Lab, store: LabStore, running: [RunningEndpoint], kits: [String], teacher: Bool) {
        self.lab = lab.name
        file = DisplayPath.relative(lab.file)
        func link(_ name: String, path: String) -> Link? {
            guard let about = CertificateDescription(pemFile: path) else { return nil }
            return Link(name: name, subject: about.subject, issuer: about.issuer, serial: about.serial, fingerprintSHA256: about.fingerprintSHA256,
                        notBefore: about.notBefore, notAfter: about.notAfter, key: about.key, isAuthority: about.isAuthority)
        }
        var byAuthority: [String: Link] = [:]
        for authority in lab.authorities {
            byAuthority[authority.name] = link(authority.name, path: store.directory.authority(authority.name).certificate)
        }
        authorities = lab.authorities.compactMap { byAuthority[$0.name] }
        certificates = lab.certificates.compactMap { leaf in
            guard let first = link(leaf.name, path: store.directory.certificate(leaf.name).certificate) else { return nil }
            return Chain(name: leaf.name, role: leaf.role.rawValue, links: [first] + lab.ancestry(of: leaf.issuer).compactMap { byAuthority[$0.name] })
        }
        revocations = ((try? store.revocationLedger())?.all ?? []).map {
            Revocation(name: $0.revoked.name, serial: $0.revoked.serial, reason: $0.revoked.reason.rawValue, revokedAt: $0.revoked.revokedAt,
                       authority: $0.authority)
        }
        let example = lab.certificates.first { $0.role == .client } ?? lab.certificates.first { $0.role == .both }
        endpoints = running.filter { $0.zoo == nil && $0.kind != .console }.map { endpoint in
            Endpoint(name: endpoint.name, kind: endpoint.kind.rawValue, url: endpoint.url, clientAuth: endpoint.clientAuth.rawValue,
                     commands: Self.commands(for: endpoint, lab: lab, store: store, device: example?.name))
        }
        zoo = running.compactMap { endpoint in
            guard endpoint.kind != .store, let scenario = endpoint.zoo.flatMap(ZooServer.init(rawValue:)) else { return nil }
            return ZooServerView(name: endpoint.name, url: endpoint.url, expectation: scenario.expectation.rawValue, problem: scenario.problem)
        }
        self.kits = kits
        exercises = WorkshopExercise.allCases.map {
            Exercise(id: $0.rawValue, title: $0.title, task: $0.task, passWhen: $0.passWhen, setup: $0.setup)
        }
        self.teacher = teacher
    }

    /// Commands that reach `endpoint` as `device` (one of the lab's client identities), with the store's paths as
    /// `pkilab up` prints them.
    static func commands(for endpoint: RunningEndpoint, lab: Lab, store: LabStore, device: String?) -> [Command] {
        let ca = DisplayPath.relative(store.directory.rootBundle)
        let host = DisplayHost.of(endpoint.host)
        guard let device else {
            return [Command(label: "Trust anchor", command: "curl -s --cacert \(ca) \(endpoint.url)")]
        }
        let files = store.directory.certificate(device)
        let cert = DisplayPath.relative(files.certificate), chain = DisplayPath.relative(files.chain)
        let fullchain = DisplayPath.relative(files.fullchain), key = DisplayPath.relative(files.key)
        switch endpoint.kind {
        case .https:
            return [Command(label: "curl", command: "curl --cacert \(ca) --cert \(fullchain) --key \(key) https://\(host):\(endpoint.port)/whoami"),
                    Command(label: "openssl", command: "openssl s_client -connect \(host):\(endpoint.port) -CAfile \(ca) -cert \(cert) -cert_chain \(chain) -key \(key) -verify_return_error")]
        case .echo:
            return [Command(label: "openssl", command: "openssl s_client -connect \(host):\(endpoint.port) -CAfile \(ca) -cert \(cert) -cert_chain \(chain) -key \(key) -verify_return_error -quiet")]
        case .mqtt where endpoint.tls == "none":
            return [Command(label: "mosquitto_pub", command: "mosquitto_pub -h \(host) -p \(endpoint.port) -i \(device) -t \(lab.exampleTopic(for: device)) -m hello")]
        case .mqtt:
            let topic = lab.exampleTopic(for: device)
            let filter = topic.split(separator: "/").dropLast().joined(separator: "/") + "/#"
            let common = "-h \(host) -p \(endpoint.port) --cafile \(ca) --cert \(fullchain) --key \(key) -i \(device)"
            return [Command(label: "mosquitto_sub", command: "mosquitto_sub \(common)-sub -t '\(filter)' -v"),
                    Command(label: "mosquitto_pub", command: "mosquitto_pub \(common) -t \(topic) -m hello"),
                    Command(label: "device files", command: "pkilab export \(device) --format arduino")]
        case .crl:
            let authority = lab.bottomAuthorities.first?.name ?? lab.authorities.first?.name ?? "root"
            return [Command(label: "CRL", command: "curl -s \(endpoint.url)\(authority).crl | openssl crl -inform DER -noout -text")]
        case .sntp:
            return [Command(label: "SNTP", command: "ntpdate -q \(host)")]
        case .store, .console:
            return [Command(label: "curl", command: "curl --cacert \(ca) \(endpoint.url)")]
        }
    }
}
