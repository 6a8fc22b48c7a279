import MQTTBroker
import NIOCore
import PKILab

/// What every connection to one MQTT listener shares: the broker, the listener's behaviour and limits, and
/// how it names clients. `tls` is nil for the plain listener.
final class MQTTListener: Sendable {
    let name: String
    let hub: BrokerHub
    let configuration: BrokerConfiguration
    let identitySource: IdentitySource
    let tls: EndpointContext?
    /// How long a client has, after connecting, to send CONNECT.
    let connectTimeout: TimeAmount

    init(name: String, hub: BrokerHub, configuration: BrokerConfiguration, identitySource: IdentitySource, tls: EndpointContext?,
         connectTimeout: TimeAmount) {
        self.name = name
        self.hub = hub
        self.configuration = configuration
        self.identitySource = identitySource
        self.tls = tls
        self.connectTimeout = connectTimeout
    }

    /// The identity a client certificate gives under this listener's ``IdentitySource``.
    func identity(of client: ConnectionEvent.ClientCertificate?) -> ClientIdentity? {
        guard let client else { return nil }
        func names(_ prefix: String) -> [String] { client.names.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) } }
        var identity = ClientIdentity(source: identitySource, commonName: client.commonName, subject: client.subject, uris: names("URI:"),
                                      dnsNames: names("DNS:"))
        identity?.fingerprint = client.fingerprintSHA256
        return identity
    }
}
