import PKILab
import Testing

@Suite("The endpoints section of lab.yaml")
struct EndpointSpecTests {
    @Test("without one: echo on 7443 and HTTPS on 8443, on loopback, presenting the first server certificate, trusting the roots")
    func defaults() throws {
        let lab = try TestLab.parse(TestLab.text())
        #expect(lab.endpoints.map(\.kind) == [.echo, .https])
        #expect(lab.endpoints.map(\.port) == [7443, 8443])
        for endpoint in lab.endpoints {
            #expect(endpoint.bind == "127.0.0.1")
            #expect(endpoint.certificate == "server")
            #expect(endpoint.trust == ["root"])
            #expect(endpoint.clientAuth == .require && endpoint.clientChain == .complete)
            #expect(endpoint.minimumTLS == .tls12 && endpoint.maximumTLS == .tls13)
        }
    }

    @Test("every key is read")
    func explicit() throws {
        let lab = try TestLab.parse(TestLab.text(extra: """
            endpoints:
              bind: 0.0.0.0
              echo: { port: 0, client_auth: optional, client_chain: require, tls_min: "1.0", tls_max: "1.2", ciphers: [ECDHE-ECDSA-AES128-GCM-SHA256], alpn: [mqtt] }
              https: { enabled: false }
            """))
        #expect(lab.endpoints.count == 1)
        let echo = lab.endpoints[0]
        #expect(echo.bind == "0.0.0.0" && echo.port == 0 && echo.clientAuth == .optional && echo.clientChain == .require)
        #expect(echo.minimumTLS == .tls10 && echo.maximumTLS == .tls12)
        #expect(echo.ciphers == ["ECDHE-ECDSA-AES128-GCM-SHA256"] && echo.alpn == ["mqtt"])
    }

    @Test("mistakes are refused with their position", arguments: [
        ("endpoints: { echo: { certificate: device-001 } }", LabFileError.Code.invalidRole, "endpoints.echo.certificate"),
        ("endpoints: { echo: { trust: [nobody] } }", .unknownIssuer, "endpoints.echo.trust[0]"),
        ("endpoints: { echo: { tls_min: \"1.3\", tls_max: \"1.2\" } }", .invalidValue, "endpoints.echo"),
        ("endpoints: { echo: { port: 8443 } }", .invalidValue, "endpoints"),
        ("endpoints: { echo: { port: 70000 } }", .invalidValue, "endpoints.echo.port"),
        ("endpoints: { echo: { client_auth: always } }", .invalidValue, "endpoints.echo.client_auth"),
        ("endpoints: { echo: { prot: 1 } }", .unknownKey, "endpoints.echo.prot"),
        ("endpoints: { bind: example.com }", .invalidValue, "endpoints.bind"),
        ("endpoints: { echo: { files: firmware } }", .unknownKey, "endpoints.echo"),
    ])
    func mistakes(yaml: String, code: LabFileError.Code, keyPath: String) {
        #expect {
            try TestLab.parse(TestLab.text(extra: yaml))
        } throws: { error in
            guard let error = error as? LabFileError else { return false }
            #expect(error.code == code, "\(error)")
            #expect(error.location.keyPath == keyPath, "\(error)")
            #expect(error.location.line > 0)
            return true
        }
    }
}
