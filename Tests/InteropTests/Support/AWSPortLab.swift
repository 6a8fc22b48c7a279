import Foundation
import PKILabTestSupport
import Testing

/// A lab with AWS IoT's two device ports: `aws-443` dispatching by ALPN, `aws-8883` (AWS's TLS surface, no ALPN
/// needed) and a mosquitto listener beside them. A held connection is closed after 4 s (`idle_timeout`).
let awsPortLab = """
    lab: aws-alpn
    authorities:
      root: { subject: { CN: ALPN Test Root } }
      issuing: { parent: root, subject: { CN: ALPN Test Issuing }, path_len: 0 }
    certificates:
      server: { role: server, names: [localhost, 127.0.0.1] }
      device-001: { role: client }
      device-002: { role: client }
    policy:
      - allow: [publish, subscribe]
        topics: ["devices/${cn}/#", "lab/#"]
    endpoints:
      idle_timeout: 4
      echo: { enabled: false }
      mqtt:
        - { port: 0 }
        - { name: aws-443, port: 443, behaviour: aws, alpn: [x-amzn-mqtt-ca, x-amzn-http-ca] }
        - { name: aws-8883, port: 0, behaviour: aws }
    """

/// Starts `pkilab up` on ``awsPortLab``, every port free (`aws-443` too, unless `port443` keeps it on 443).
func withAWSPortLab(_ body: (LabProcess) throws -> Void) throws {
    try #require(Run.available("mosquitto_pub"), "the ALPN tests need mosquitto-clients: scripts/test installs it (apt-get install mosquitto-clients)")
    let scratch = try Scratch(lab: awsPortLab)
    defer { scratch.remove() }
    let lab = try LabProcess(scratch: scratch, arguments: ["--port", "aws-443=0"])
    defer {
        let status = lab.stop()
        #expect(status == 0, "pkilab up exits 0 on SIGTERM:\n\(lab.output.string)")
    }
    try body(lab)
}

extension LabProcess {
    /// openssl s_client to `port` as device-001, with `extra` options, reading `input` (then waiting a second).
    func sClient(port: Int, _ extra: [String], input: String = "") throws -> RunResult {
        let command = ["openssl", "s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost", "-CAfile", "ca/root.pem",
                       "-verify_return_error", "-cert", "ca/certs/device-001/cert.pem", "-cert_chain", "ca/certs/device-001/chain.pem",
                       "-key", "ca/certs/device-001/key.pem"] + extra
        return try Run.program("sh", ["-c", "(printf '\(input)'; sleep 1) | " + command.joined(separator: " ")], cwd: scratch.path, timeout: 30)
    }
}
