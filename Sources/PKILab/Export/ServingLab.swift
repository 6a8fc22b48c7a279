import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a running `pkilab up` serves, in `ca/serving.json`: its process, the lab, and each endpoint's real port (a
/// port of 0 in lab.yaml is only known once the lab listens). `pkilab up` writes it whole once every endpoint
/// listens and removes it when it stops cleanly; `pkilab export` reads it to put the real ports into firmware files.
/// A file whose process is gone (the lab was killed) is ignored.
public struct ServingLab: Sendable, Codable, Equatable {
    /// One listening endpoint.
    public struct Endpoint: Sendable, Codable, Equatable {
        public var name: String
        public var kind: EndpointSpec.Kind
        /// `tls`, `https`, `mqtts`, `mqtt` (plain), `http` (CRL/OCSP) or `sntp`.
        public var scheme: String
        /// The address it listens on, as configured (`127.0.0.1`, `0.0.0.0`, a LAN address).
        public var bind: String
        /// The port it really listens on.
        public var port: Int

        public init(name: String, kind: EndpointSpec.Kind, scheme: String, bind: String, port: Int) {
            self.name = name
            self.kind = kind
            self.scheme = scheme
            self.bind = bind
            self.port = port
        }
    }

    /// The process of `pkilab up`.
    public var pid: Int32
    /// The lab's name (`lab:` in lab.yaml).
    public var lab: String
    public var started: Date
    public var endpoints: [Endpoint]

    public init(pid: Int32 = getpid(), lab: String, started: Date = Date(), endpoints: [Endpoint]) {
        self.pid = pid
        self.lab = lab
        self.started = started
        self.endpoints = endpoints
    }

    /// `ca/serving.json`.
    public static func path(in directory: CADirectory) -> String { "\(directory.path)/serving.json" }

    /// Writes the file whole (temporary file, fsync, rename), so a reader never sees half of it.
    public func write(to directory: CADirectory) throws(StoreError) {
        let batch = FileBatch()
        try batch.stage(LabJSON.text(self, pretty: true) + "\n", to: Self.path(in: directory), mode: 0o644)
        try batch.commit(syncing: directory.path)
    }

    /// Removes the file when the lab stops cleanly.
    public static func remove(from directory: CADirectory) {
        try? FileManager.default.removeItem(atPath: path(in: directory))
    }

    /// The lab `pkilab up` is serving from `directory`, or nil when none is: no file, a file that does not parse, a
    /// file of another lab, or one whose process is gone.
    public static func running(in directory: CADirectory, lab: String) -> ServingLab? {
        guard let data = FileManager.default.contents(atPath: path(in: directory)),
              let serving = try? LabJSON.decoder().decode(ServingLab.self, from: data),
              serving.lab == lab, serving.isAlive else { return nil }
        return serving
    }

    /// Whether the process that wrote the file still runs (signal 0 checks without sending anything).
    public var isAlive: Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    /// The scheme clients dial an endpoint with.
    public static func scheme(of spec: EndpointSpec) -> String {
        switch spec.kind {
        case .echo: "tls"
        case .https, .store, .console: "https"
        case .mqtt: spec.isPlainMQTT ? "mqtt" : "mqtts"
        case .crl: "http"
        case .sntp: "sntp"
        }
    }
}
