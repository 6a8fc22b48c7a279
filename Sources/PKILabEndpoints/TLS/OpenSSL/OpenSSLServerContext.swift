import CPKILabTLS
import PKILab

/// One endpoint's TLS context on the OpenSSL engine (an `SSL_CTX` of the system's OpenSSL 3): the certificate it
/// presents, versions, ciphers, ALPN, the CertificateRequest's CA names and the session policy. Shared by every
/// connection of the endpoint; nothing in it changes after it is made.
final class OpenSSLServerContext: @unchecked Sendable {
    struct Configuration: Sendable {
        /// Leaf first, then intermediates (a fullchain.pem).
        var certificateChainPEMFile: String
        var privateKeyPEMFile: String
        var minimumVersion: EndpointSpec.TLSVersion
        var maximumVersion: EndpointSpec.TLSVersion
        /// An OpenSSL cipher string for TLS 1.2 and below (nil: OpenSSL's default). With a minimum below TLS 1.2,
        /// `@SECLEVEL=0` is added, as TLS 1.0 and 1.1 need with OpenSSL 3.
        var cipherList: String?
        /// Server preference; a client that offers none of them goes on without ALPN.
        var alpn: [String]
        var clientAuth: EndpointSpec.ClientAuth
        /// Certificates (DER) whose subjects the CertificateRequest names.
        var clientCANames: [[UInt8]]
        /// false: no session tickets at all, every handshake is a full one.
        var sessionResumption: Bool
        /// Asked, with the client certificate a session was made with, before a session ticket is taken: false makes
        /// that client do a full handshake (whose check then refuses a certificate revoked since).
        var mayResume: (@Sendable ([UInt8]) -> Bool)?
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let server: OpaquePointer
    /// Kept alive for the C callback's `server_context`.
    private let resumption: Resumption?

    private final class Resumption: Sendable {
        let mayResume: @Sendable ([UInt8]) -> Bool
        init(_ mayResume: @escaping @Sendable ([UInt8]) -> Bool) { self.mayResume = mayResume }
    }

    init(_ configuration: Configuration) throws {
        var cipherList = configuration.cipherList
        if configuration.minimumVersion < .tls12 { cipherList = (cipherList ?? "DEFAULT") + ":@SECLEVEL=0" }
        var alpn: [UInt8] = []
        for name in configuration.alpn where !name.isEmpty && name.utf8.count < 256 {
            alpn.append(UInt8(name.utf8.count))
            alpn += Array(name.utf8)
        }
        let auth: Int32 = switch configuration.clientAuth {
        case .none: Int32(PKILAB_TLS_AUTH_NONE)
        case .optional: Int32(PKILAB_TLS_AUTH_OPTIONAL)
        case .require: Int32(PKILAB_TLS_AUTH_REQUIRE)
        }
        var error = [CChar](repeating: 0, count: 512)
        let made = alpn.withUnsafeBufferPointer { wire in
            pkilab_tls_server_new(configuration.certificateChainPEMFile, configuration.privateKeyPEMFile,
                                  Self.wire(configuration.minimumVersion), Self.wire(configuration.maximumVersion), cipherList,
                                  wire.baseAddress, wire.count, auth, configuration.sessionResumption ? 1 : 0, &error, error.count)
        }
        guard let made else {
            throw Failure(description: String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        server = made
        for der in configuration.clientCANames {
            guard der.withUnsafeBufferPointer({ pkilab_tls_server_add_client_ca(made, $0.baseAddress, $0.count) }) == 0 else {
                pkilab_tls_server_free(made)
                throw Failure(description: "OpenSSL could not read a trusted authority's certificate for the CertificateRequest")
            }
        }
        resumption = configuration.mayResume.map(Resumption.init)
        let context = resumption.map { UnsafeMutableRawPointer(Unmanaged.passUnretained($0).toOpaque()) }
        pkilab_tls_server_set_callbacks(made, { connection, ders, lengths, count in
            guard let connection, let ders, let lengths else { return 50 }  // X509_V_ERR_APPLICATION_VERIFICATION
            let chain = (0..<count).map { index in Array(UnsafeBufferPointer(start: ders[index], count: lengths[index])) }
            return Unmanaged<OpenSSLServerHandler.Verification>.fromOpaque(connection).takeUnretainedValue().verify(chain)
        }, context == nil ? nil : { context, der, length in
            guard let context, let der else { return 0 }
            let certificate = Array(UnsafeBufferPointer(start: der, count: length))
            return Unmanaged<Resumption>.fromOpaque(context).takeUnretainedValue().mayResume(certificate) ? 1 : 0
        }, context)
    }

    deinit {
        pkilab_tls_server_free(server)
    }

    private static func wire(_ version: EndpointSpec.TLSVersion) -> Int32 {
        switch version {
        case .tls10: 0x0301
        case .tls11: 0x0302
        case .tls12: 0x0303
        case .tls13: 0x0304
        }
    }
}
