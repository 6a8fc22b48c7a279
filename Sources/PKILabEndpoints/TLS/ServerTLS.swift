import Foundation
import NIOCore
import NIOSSL
import PKILab
import X509

/// Builds the TLS side of an endpoint from the lab: the certificate it presents, the authorities it names in
/// its CertificateRequest, versions, ciphers and ALPN.
enum ServerTLS {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func context(for spec: EndpointSpec, store: LabStore, trust: [Certificate], alpn: [String]) throws -> NIOSSLContext {
        try context(spec, configuration: configuration(for: spec, store: store, trust: trust, alpn: alpn))
    }

    /// A TLS context made from `configuration`, with the endpoint named when the library refuses it.
    static func context(_ spec: EndpointSpec, configuration: TLSConfiguration) throws -> NIOSSLContext {
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw Failure(description: "the TLS settings of the \(spec.name) endpoint are not accepted (ciphers: \(configuration.cipherSuites)): \(error)")
        }
    }

    /// The endpoint's TLS settings. An `aws` MQTT listener without `ciphers:` offers AWS IoT's TLS 1.2 suites
    /// (``PKILab/CipherSuites/awsIoTDefault``).
    static func configuration(for spec: EndpointSpec, store: LabStore, trust: [Certificate], alpn: [String]) throws -> TLSConfiguration {
        let files = servedFiles(for: spec, store: store)
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(files.fullchain)
            key = try NIOSSLPrivateKey(file: files.key, format: .pem)
        } catch {
            throw Failure(description: "can't load \"\(files.fullchain)\" and \(StoredFiles.keyName) for the \(spec.name) endpoint: \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) },
                                                                    privateKey: .privateKey(key))
        configuration.minimumTLSVersion = version(spec.minimumTLS)
        configuration.maximumTLSVersion = version(spec.maximumTLS)
        switch spec.clientAuth {
        case .require: configuration.certificateVerification = .noHostnameVerification
        case .optional: configuration.certificateVerification = .optionalVerification
        case .none: configuration.certificateVerification = .none
        }
        if spec.clientAuth != .none {
            // Only the names go on the wire (the CertificateRequest's CA list); the chain check is pkilab's own.
            configuration.trustRoots = .certificates(try trust.map { try NIOSSLCertificate(bytes: try $0.derBytes, format: .der) })
            configuration.sendCANameList = true
        }
        if !spec.ciphers.isEmpty {
            configuration.cipherSuites = spec.ciphers.joined(separator: ":")
        } else if spec.isAWSIoT {
            configuration.cipherSuites = CipherSuites.awsIoTDefault.joined(separator: ":")
        }
        configuration.applicationProtocols = alpn
        // After its close_notify, swift-nio-ssl waits this long for the client's before it closes the socket, and the
        // timer holds the whole connection (handler, buffers, pipeline) until it fires, even when the client has
        // already gone: with the default 5 s, a storm of TLS 1.2 handshakes (the client hangs up, the echo
        // endpoint closes in turn) kept ~5 s of dead connections alive, hundreds of MiB (Benchmarks/README.md).
        // nginx and Mosquitto do not wait at all; a quarter of a second still lets a client on a LAN answer.
        configuration.shutdownTimeout = .milliseconds(250)
        configuration.verifySignatureAlgorithms = [
            .ecdsaSecp256R1Sha256, .ecdsaSecp384R1Sha384, .ecdsaSecp521R1Sha512, .rsaPssRsaeSha256, .rsaPssRsaeSha384,
            .rsaPssRsaeSha512, .rsaPkcs1Sha256, .rsaPkcs1Sha384, .rsaPkcs1Sha512, .ed25519,
        ]
        return configuration
    }

    /// The certificate files `spec` presents: its lab certificate's, or a zoo server's.
    static func servedFiles(for spec: EndpointSpec, store: LabStore) -> StoredFiles {
        spec.zoo.map { store.directory.zooServer($0.rawValue) } ?? store.directory.certificate(spec.certificate)
    }

    static func version(_ version: EndpointSpec.TLSVersion) -> TLSVersion {
        switch version {
        case .tls10: .tlsv1
        case .tls11: .tlsv11
        case .tls12: .tlsv12
        case .tls13: .tlsv13
        }
    }
}
