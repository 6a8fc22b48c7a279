import PKILab
import X509

extension ServerTLS {
    /// The OpenSSL engine's context for `spec`, or nil when the endpoint runs on BoringSSL: the same certificate,
    /// versions, ciphers, ALPN and CertificateRequest names as ``configuration(for:store:trust:alpn:)``. The zoo's
    /// bad servers (an RSA-1024 key, a SHA-1 signature) load at security level 0, as they must to exist at all;
    /// an `aws` listener keeps no sessions (AWS IoT has no session tickets).
    static func openSSLContext(for spec: EndpointSpec, store: LabStore, trust: [Certificate], alpn: [String], verifier: ChainVerifier,
                               clock: ClockOffset) throws -> OpenSSLServerContext? {
        guard spec.tlsEngine == .openssl else { return nil }
        let files = servedFiles(for: spec, store: store)
        let ciphers = !spec.ciphers.isEmpty ? spec.ciphers : spec.isAWSIoT ? CipherSuites.awsIoTDefault : []
        var cipherList = ciphers.isEmpty ? nil : ciphers.joined(separator: ":")
        if spec.zoo != nil { cipherList = (cipherList ?? "DEFAULT") + ":@SECLEVEL=0" }
        let configuration = OpenSSLServerContext.Configuration(
            certificateChainPEMFile: files.fullchain, privateKeyPEMFile: files.key, minimumVersion: spec.minimumTLS,
            maximumVersion: spec.maximumTLS, cipherList: cipherList, alpn: alpn, clientAuth: spec.clientAuth,
            clientCANames: spec.clientAuth == .none ? [] : try trust.map { try $0.derBytes }, sessionResumption: !spec.isAWSIoT,
            mayResume: EndpointContext.mayResume(verifier: verifier, clock: clock))
        do {
            return try OpenSSLServerContext(configuration)
        } catch {
            throw Failure(description: "the TLS settings of the \(spec.name) endpoint are not accepted by OpenSSL (tls_engine: openssl): \(error)")
        }
    }
}
