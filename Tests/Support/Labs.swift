/// Labs more than one test target serves. (`Scratch.lab` is the small one most tests start from.)

/// A lab with the per-device policy, a free area (lab/) for protocol tests, and one listener per behaviour.
public let mqttLab = """
    lab: mqtt-test
    authorities:
      root: { subject: { CN: MQTT Test Root } }
      issuing: { parent: root, subject: { CN: MQTT Test Issuing }, path_len: 0 }
    certificates:
      server: { role: server, names: [localhost, 127.0.0.1] }
      device-001: { role: client }
      device-002: { role: client }
      expired: { role: client, not_before: 2020-01-01, not_after: 2021-01-01 }
    policy:
      - allow: [publish, subscribe]
        topics: ["devices/${cn}/#"]
      - allow: subscribe
        topics: ["broadcast/#"]
      - allow: [publish, subscribe]
        topics: ["lab/#"]
    endpoints:
      echo: { enabled: false }
      https: { enabled: false }
      mqtt:
        - { port: 0, plain_port: 0 }
        - { name: mqtt-aws, port: 0, behaviour: aws }
    """

/// The lab the endpoint tests serve: good, expired, not-yet-valid and server-only certificates, and a files folder.
public func endpointLab(clientChain: String = "complete") -> String {
    """
    lab: up-test
    authorities:
      root: { subject: { CN: Up Test Root } }
      issuing: { parent: root, subject: { CN: Up Test Issuing }, path_len: 0 }
    certificates:
      server: { role: server, names: [localhost, 127.0.0.1] }
      device-001: { role: client }
      expired: { role: client, not_before: 2020-01-01, not_after: 2021-01-01 }
      later: { role: client, not_before: 2099-01-01, validity: 30d }
      web-only: { role: server, names: [web.lab.test] }
    endpoints:
      echo: { client_chain: \(clientChain) }
      https: { files: files, client_chain: \(clientChain) }
    """
}

extension Scratch {
    /// The CLI tests' lab with an RSA device beside the EC ones, issued: what the export tests export.
    public static func exportLab() throws -> Scratch {
        let scratch = try Scratch(lab: Scratch.lab(extra: "  rsa-device: { issuer: issuing, role: client, key: rsa-2048 }"))
        let issued = try Pkilab.run(["issue"], in: scratch.path)
        guard issued.status == 0 else { throw LabProcess.Failure(message: "pkilab issue failed: \(issued)") }
        return scratch
    }
}
