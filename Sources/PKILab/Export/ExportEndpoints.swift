import Foundation
import X509

/// Where exported firmware connects: a host the server certificate names and the real ports of the echo, HTTPS
/// and MQTT endpoints — from the running lab (`ca/serving.json`) when `pkilab up` serves this store, else from
/// lab.yaml; `--host` and `--port NAME=PORT` override both.
public struct ExportEndpoints: Sendable, Equatable {
    public var host: String
    public var mqttPort: Int
    public var echoPort: Int
    public var httpsPort: Int
    /// What was chosen and why, for the command's output (for example the LAN address picked).
    public var notes: [String] = []
    /// What may not work on a device (a host the server certificate does not name), for the command's output.
    public var warnings: [String] = []

    /// The addresses that mean "this machine only".
    static let loopback: Set<String> = ["127.0.0.1", "::1", "localhost"]
    /// The addresses that mean "every interface".
    static let everyInterface: Set<String> = ["0.0.0.0", "::"]

    /// Resolves host and ports for `lab`.
    /// - Parameters:
    ///   - serving: the running lab of this store, if any (``ServingLab/running(in:lab:)``).
    ///   - host: `--host`, if given.
    ///   - ports: `--port NAME=PORT` values by endpoint name.
    ///   - serverNames: the server certificate's names as ``CertificateDescription/names`` writes them (`DNS:…`, `IP:…`).
    ///   - interfaces: this machine's non-loopback addresses (``HostNames/interfaceAddresses()``).
    public static func resolve(lab: Lab, serving: ServingLab?, host requested: String?, ports: [String: Int],
                               serverNames: [String], interfaces: [String]) throws(StoreError) -> ExportEndpoints {
        var missing: [String] = []
        func port(_ kind: EndpointSpec.Kind) -> Int {
            guard let spec = lab.endpoints.first(where: { $0.kind == kind && !$0.isPlainMQTT }) else { return kind.defaultPort }
            if let given = ports[spec.name] { return given }
            if let running = serving?.endpoints.first(where: { $0.name == spec.name }) { return running.port }
            if spec.port == 0 { missing.append(spec.name) }
            return spec.port
        }
        let mqtt = port(.mqtt), echo = port(.echo), https = port(.https)
        missing.sort()
        if !missing.isEmpty {
            throw StoreError(.notFound, "\(lab.file) gives \(missing.joined(separator: ", ")) port 0, so the lab picks a free port each time it starts, and no pkilab up is running for this store to say which",
                             hint: "start pkilab up first and export again while it runs (the export then carries its real ports), or give the port: "
                                + missing.map { "--port \($0)=PORT" }.joined(separator: " "))
        }
        let dns = serverNames.compactMap { $0.hasPrefix("DNS:") ? String($0.dropFirst(4)) : nil }
        let ips = serverNames.compactMap { $0.hasPrefix("IP:") ? String($0.dropFirst(3)) : nil }
        let shown = serverNames.filter { $0.hasPrefix("DNS:") || $0.hasPrefix("IP:") }.joined(separator: ", ")
        var result = ExportEndpoints(host: "localhost", mqttPort: mqtt, echoPort: echo, httpsPort: https)
        if let requested {
            result.host = requested
            if !names(requested, dns: dns, ips: ips) {
                result.warnings.append("the server certificate does not name \"\(requested)\" (it names \(shown.isEmpty ? "nothing" : shown)), so a device that checks the server's name refuses it: add \(requested) to names: of the server certificate in \(lab.file) and run pkilab issue, or export with --host set to one of those names")
            }
            return result
        }
        let binds = serving.map { $0.endpoints.filter { [.echo, .https, .mqtt].contains($0.kind) }.map(\.bind) }
            ?? lab.endpoints.filter { [.echo, .https, .mqtt].contains($0.kind) }.map(\.bind)
        let beyond = binds.filter { !loopback.contains($0) }
        guard let bind = beyond.first else {
            // Only this machine: a DNS name of the server certificate (not a wildcard, not an address).
            result.host = dns.first { !$0.hasPrefix("*") && $0.first?.isNumber == false && !$0.contains(":") } ?? "localhost"
            return result
        }
        // The lab is reachable from other machines: a board needs an address of this machine, named by the certificate.
        let candidates = everyInterface.contains(bind) ? interfaces.sorted { !$0.contains(":") && $1.contains(":") } : [bind]
        guard let chosen = candidates.first(where: { names($0, dns: dns, ips: ips) }) else {
            throw StoreError(.notFound, "the lab listens on \(bind), but the server certificate names none of \(everyInterface.contains(bind) ? "this machine's addresses (\(interfaces.isEmpty ? "none found" : interfaces.joined(separator: ", ")))" : bind) (it names \(shown.isEmpty ? "nothing" : shown))",
                             hint: "give --host HOST with a name or address of this machine that the server certificate has, or add auto to names: of the server certificate in \(lab.file) and run pkilab issue")
        }
        result.host = chosen
        result.notes.append("The lab listens on \(bind): the export uses \(chosen), this machine's address\(candidates.count > 1 ? " (of \(candidates.joined(separator: ", ")))" : "") that the server certificate names; --host HOST picks another.")
        return result
    }

    /// Whether `host` is among the certificate's DNS names (a `*.` wildcard covers one label) or IP addresses.
    static func names(_ host: String, dns: [String], ips: [String]) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if ips.contains(where: { $0.lowercased() == host }) { return true }
        return dns.contains { name in
            let name = name.lowercased()
            if name == host { return true }
            guard name.hasPrefix("*."), let dot = host.firstIndex(of: ".") else { return false }
            return host[host.index(after: dot)...] == name.dropFirst(2) && host[..<dot].count > 0
        }
    }

    /// The names of the certificate the lab's first endpoint presents, as the store holds it (`DNS:…`, `IP:…`).
    public static func serverNames(lab: Lab, store: LabStore) -> [String] {
        guard let name = lab.endpoints.first(where: { $0.zoo == nil })?.certificate,
              let certificate = try? CertificateFile.read(path: store.directory.certificate(name).certificate).first else { return [] }
        return CertificateDescription(certificate).names
    }
}
