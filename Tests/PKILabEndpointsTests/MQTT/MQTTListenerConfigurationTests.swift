import MQTTBroker
import PKILab
import PKILabEndpoints
import Testing

@Suite("An MQTT listener's broker configuration")
struct MQTTListenerConfigurationTests {
    @Test("the behaviour's limits, with the lab's overrides on top")
    func overrides() {
        var aws = MQTTListenerSpec(behaviour: .aws, identity: .sanURI, maximumPacketSize: 4096)
        aws.maximumSubscriptions = 7
        aws.persistentSessionExpiry = 60
        aws.subscriptionCheck = .filter
        let configuration = aws.configuration(name: "mqtt-aws")
        #expect(configuration.limits.maximumPacketSize == 4096)
        #expect(configuration.limits.maximumFiltersPerSubscribe == 8, "aws's own limit stays")
        #expect(configuration.limits.maximumSubscriptions == 7 && configuration.limits.persistentSessionExpiry == 60)
        #expect(configuration.subscriptionCheck == .filter && configuration.behaviour == .aws)
        let plain = MQTTListenerSpec().configuration(name: "mqtt")
        #expect(plain.limits.maximumPacketSize == BrokerLimits.defaults(for: .mosquitto).maximumPacketSize)
    }
}
