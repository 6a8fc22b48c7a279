import Foundation
import MQTTBroker
import PKILab
import Testing

@Suite("lab.yaml: AWS IoT's port 443 twin and its ALPN protocols")
struct AWSPortLabFileTests {
    static func lab(_ mqtt: String) throws -> Lab {
        try LabFileReader(autoNames: { [] }).parse("""
            authorities: { root: { subject: { CN: R } } }
            certificates: { server: { role: server, names: [localhost] } }
            endpoints:
              mqtt:
            \(mqtt)
            """)
    }

    @Test("an 8883 listener and an aws listener on 443 offering x-amzn-mqtt-ca and x-amzn-http-ca: the second dispatches by ALPN, with AWS's TLS surface")
    func twin() throws {
        let lab = try Self.lab("""
                - { port: 8883 }
                - { name: aws-443, port: 443, behaviour: aws, alpn: [x-amzn-mqtt-ca, x-amzn-http-ca] }
            """)
        let listeners = lab.endpoints.filter { $0.kind == .mqtt }
        #expect(listeners.map(\.name) == ["mqtt", "aws-443"])
        #expect(listeners.map(\.dispatchesByALPN) == [false, true])
        #expect(listeners.map(\.isAWSIoT) == [false, true])
        #expect(listeners[1].port == 443 && listeners[1].mqtt.behaviour == .aws && listeners[1].portSetting == "endpoints.mqtt[1].port")
        // An aws listener without x-amzn-mqtt-ca (AWS's 8883) has AWS's TLS surface but no ALPN dispatch.
        let plain = try Self.lab("    - { name: aws-8883, behaviour: aws }")
        #expect(plain.endpoints.first { $0.name == "aws-8883" }.map { $0.isAWSIoT && !$0.dispatchesByALPN } == true)
    }

    @Test("x-amzn-* ALPN on a mosquitto listener is refused where it is written (file:line:col), saying to add behaviour: aws")
    func refusedWithoutAWS() throws {
        do {
            _ = try Self.lab("    - { name: wrong, port: 443, alpn: [mqtt, x-amzn-mqtt-ca] }")
            Issue.record("an x-amzn ALPN protocol on a mosquitto listener was accepted")
        } catch let error as LabFileError {
            #expect(error.code == .invalidValue)
            #expect(error.location.keyPath == "endpoints.mqtt[0].alpn[1]", "\(error)")
            #expect(error.location.line == 5 && error.location.column > 0, "\(error)")
            #expect(error.message.contains("x-amzn-mqtt-ca is AWS IoT's own ALPN protocol") && error.message.contains("behaviour: mosquitto"), "\(error)")
            #expect(error.hint?.contains("add behaviour: aws") == true, "\(error)")
        }
        #expect(throws: LabFileError.self) {
            _ = try LabFileReader(autoNames: { [] }).parse("""
                authorities: { root: { subject: { CN: R } } }
                certificates: { server: { role: server, names: [localhost] } }
                endpoints: { https: { alpn: [x-amzn-http-ca] } }
                """)
        }
    }

    @Test("an aws listener without ciphers: offers AWS's TLS 1.2 suites that BoringSSL has, in AWS's order")
    func awsSuites() {
        #expect(CipherSuites.awsIoTDefault == [
            "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA256",
            "ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
            "ECDHE-RSA-AES256-SHA", "ECDHE-ECDSA-AES256-SHA", "AES128-GCM-SHA256", "AES128-SHA", "AES256-GCM-SHA384", "AES256-SHA",
        ])
    }
}
