import Foundation

// The one place where a refusal becomes words: the sentence that says what happened and the hint that says what
// to do next, for every ``RejectionReason`` and every ``CertificateProblem``, and the notes of a connection
// (``ConnectionNote``). The TLS side only finds the reason
// (`ConnectionState`, `TLSFailure`), the chain check only finds the problem (`ChainVerifier`).

extension RejectionReason {
    /// The sentence and hint of this reason, naming what `context` knows about the endpoint (nil where the
    /// refusal came before any endpoint's TLS: a connection cap, a `/files/` path).
    public func words(in context: RejectionContext? = nil) -> (explanation: String, hint: String?) {
        let client = context?.clientName ?? "the client's certificate"
        switch self {
        case .noClientCertificate:
            return ("the client sent no certificate (this endpoint requires one)", Self.clientCertificateHint(context))
        case .certificate(let problem):
            let name = context?.clientName.map { "the client's certificate \($0)" } ?? "the client's certificate"
            return ("\(name) is not valid: \(problem.sentence)", problem.hint(for: context))
        case .missingIntermediate(let missing):
            let names = missing.map { "\"\($0)\"" }.joined(separator: ", ")
            return ("the client sent \(client) without its intermediate \(names); this endpoint requires the whole chain, as Mosquitto with cafile = root does",
                    "make the device send fullchain.pem (cert.pem followed by chain.pem), or set client_chain: complete")
        case .keyMismatch:
            return ("the client's certificate\(context?.clientName.map { " \($0)" } ?? "") and the private key it signed the handshake with do not belong together: its signature (CertificateVerify) does not verify with the certificate's public key",
                    "give the client the key.pem from the same folder as its cert.pem (a certificate without its own key, such as another device's, is always refused)")
        case .resumedSessionRefused(let inner):
            let (explanation, hint) = inner.words(in: context)
            return ("the client resumed a TLS session, but its certificate is no longer let in (\(inner.code.rawValue)): \(explanation); the connection was closed before any of its data was read",
                    (hint ?? "give the device a certificate this endpoint accepts") + " (a resumed session is checked again, like a new connection)")
        case .notATLSClient(let firstBytes, let plainHTTP, let httpsURL):
            return ("the client does not speak TLS" + (firstBytes.map { ": it sent \"\($0)\"" } ?? "") + (plainHTTP ? " (plain HTTP)" : ""),
                    httpsURL.map { "use \($0) (this port speaks TLS only), with the client certificate" }
                        ?? "this port speaks TLS only: connect with a TLS client (openssl s_client, mosquitto --cafile …), not plain TCP or HTTP")
        case .protocolVersion(let offered):
            let offers = offered.isEmpty ? "" : " it offers TLS \(offered.joined(separator: ", "));"
            let speaks = context.map { " this endpoint speaks TLS \($0.minimumTLS.rawValue)–\($0.maximumTLS.rawValue)" } ?? ""
            return ("no TLS version in common:\(offers)\(speaks)",
                    "set tls_min/tls_max on the endpoint in lab.yaml (1.0 and 1.1 only for old devices), or update the client")
        case .noSharedCipher(.group):
            return ("no key-exchange group (curve) in common with the client: this endpoint offers X25519, P-256 and P-384",
                    "let the client offer X25519 or P-256 (openssl: -groups X25519:P-256; mbedTLS: MBEDTLS_ECP_DP_SECP256R1_ENABLED); X448 is not supported by this lab (BoringSSL)")
        case .noSharedCipher(.signatureAlgorithm):
            return ("no signature algorithm in common with the client for the server's key" + (context.map { " \"\($0.serverCertificate)\"" } ?? ""),
                    "check the signature algorithms the client offers (-sigalgs) against the server key type (ed25519 is rarely supported)")
        case .noSharedCipher(.cipher):
            return ("no cipher suite in common with the client",
                    "check the client's cipher list against the endpoint's ciphers: in lab.yaml, and the server key type (an ECDSA key needs ECDHE-ECDSA suites; ed25519 is rarely supported)")
        case .clientRejectedServer(let alert) where context?.kind == .store && context?.serverRoot != nil && !["unrecognized_name", "protocol_version", "insufficient_security", "handshake_failure", "record_overflow", "certificate_expired"].contains(alert):
            return ("the device refused the object store's certificate (it sent the TLS alert \"\(alert)\"): its CA bundle probably lacks \(Self.storeRoot(context))",
                    Self.storeTrustHint(context))
        case .clientRejectedServer(let alert):
            return ("the client refused this server (it sent the TLS alert \"\(alert)\")", Self.alertHint(alert, context))
        case .handshakeTimeout(let seconds):
            return ("the client did not finish the TLS handshake within \(seconds) seconds",
                    "a device that stalls here often has too little memory for the handshake, or waits on its own clock or a DNS lookup")
        case .peerClosed where context?.kind == .store && context?.serverRoot != nil:
            return ("the device closed the object store's connection during the handshake: its CA bundle probably lacks \(Self.storeRoot(context))",
                    Self.storeTrustHint(context))
        case .peerClosed:
            return ("the client closed the connection during the handshake",
                    "a client that does not trust the server sometimes hangs up without an alert; check the device's log")
        case .closedUnused:
            return ("the client read the server's hello and closed the connection without answering it (no certificate, no alert); browsers (Chromium) open such spare connections and close them unused — not a refusal",
                    "if a device does this, it gave up on the server without saying why: check its log (a device that distrusts the server usually sends an alert)")
        case .handshakeFailed(let library):
            return ("the TLS handshake failed: \(library)",
                    "the library's words are in the event's detail; openssl s_client -connect … -state shows how far the handshake got")
        case .fileOutsideFolder(let path, let real, let folder):
            return ("\(path) leads to \(real), outside the files folder \(folder) (a symbolic link points out of it)",
                    "pkilab serves only what lies inside files:; copy the file into the folder instead of linking to it")
        case .privateKeyRefused(let path, let key):
            return ("\(path) holds \(key): pkilab never serves a private key",
                    "serve the certificate (cert.pem, fullchain.pem) or the firmware image, and keep keys out of the files folder")
        case .connectionLimit(let limit):
            return ("the lab already holds \(limit) connections (endpoints.max_connections, at most the file-descriptor limit allows)",
                    "close idle clients, or raise endpoints.max_connections in lab.yaml (and the hard limit, ulimit -Hn)")
        case .addressConnectionLimit(let limit):
            return ("this client address already holds \(limit) connections (endpoints.max_connections_per_address)",
                    "close the client's idle connections, or raise endpoints.max_connections_per_address in lab.yaml")
        case .clientConnectionLimit(let limit):
            return ("this client certificate already holds \(limit) connections (endpoints.max_connections_per_client)",
                    "a device needs one or two; close the others, or raise endpoints.max_connections_per_client in lab.yaml")
        case .alpnMissing(let offered):
            let did = offered.isEmpty ? "offered no ALPN protocol"
                : "offered ALPN \(offered.joined(separator: ", ")) but neither x-amzn-mqtt-ca nor x-amzn-http-ca"
            return ("the client completed TLS on this AWS IoT port 443 twin but \(did); AWS IoT takes such a connection for WebSocket (SigV4) or a custom authorizer and never answers its MQTT CONNECT, so neither does the lab: the connection is held open, unanswered, until the client gives up",
                    "offer ALPN x-amzn-mqtt-ca for MQTT with a client certificate (mosquitto_pub --tls-alpn x-amzn-mqtt-ca; paho: ssl_context.set_alpn_protocols([\"x-amzn-mqtt-ca\"]); ESP-IDF esp-mqtt: alpn_protos; mbedTLS: mbedtls_ssl_conf_alpn_protocols) or x-amzn-http-ca for HTTPS, or connect to the 8883-like listener, where AWS needs no ALPN")
        }
    }

    /// What a client needs to add to be let in, in the words of the tools people use.
    static func clientCertificateHint(_ context: RejectionContext?) -> String {
        guard let context, let client = context.exampleClient else {
            return "give the client a certificate with role: client from the lab (its cert.pem, chain and key.pem)"
        }
        let path = DisplayPath.relative
        return switch context.kind {
        case .https: "curl: add --cert \(path(client.fullchain)) --key \(path(client.key))"
        case .echo: "openssl s_client: add -cert \(path(client.cert)) -cert_chain \(path(client.chain)) -key \(path(client.key))"
        case .crl, .sntp: "give the client a certificate with role: client from the lab"
        case .console: "the console lets browsers without a certificate in; a certificate only proves who downloads a kit"
        case .store: "the object store asks for no client certificate (as S3 does); the OTA server on the HTTPS endpoint does"
        case .mqtt: "mosquitto_pub/sub: add --cert \(path(client.fullchain)) --key \(path(client.key)); paho: tls_set(certfile=\(path(client.fullchain)), keyfile=\(path(client.key)))"
        }
    }

    /// The root the object store's certificate chains to, quoted.
    static func storeRoot(_ context: RejectionContext?) -> String {
        context?.serverRoot.map { "\"\($0)\", the root of the object store's certificate" } ?? "the root of the object store's certificate"
    }

    /// What a device that refuses the object store needs: both roots.
    static func storeTrustHint(_ context: RejectionContext?) -> String {
        let root = context?.serverRoot ?? "the store's root"
        return "the store's certificate chains to another CA than the OTA server's (as S3's does): the device must trust both roots. Export with --format esp-idf (server_certs/ca_cert.pem and x509_crt_bundle.bin hold both) or --format pem (ca.pem holds both), or add ca/authorities/\(root)/cert.pem to its CA bundle"
    }

    /// What an alert from the client says about the server, and what to check.
    static func alertHint(_ alert: String, _ context: RejectionContext?) -> String {
        let certificate = context?.serverCertificate ?? "server"
        let root = context?.rootBundle ?? "ca/root.pem"
        switch alert {
        case "certificate_expired":
            return "the client thinks the server certificate \"\(certificate)\" is expired or not yet valid: its clock is probably wrong (unset devices think it is 1970); set it (SNTP) or check pkilab show \(certificate)"
        case "unrecognized_name":
            return "the name the client sent (SNI) is not one this server answers for; dial a name in the SANs of \"\(certificate)\""
        case "protocol_version", "insufficient_security", "handshake_failure":
            return "the client and this endpoint share no TLS version or cipher it accepts; check tls_min/tls_max and ciphers: in lab.yaml"
        case "record_overflow":
            return "the client could not take a record this large: its receive buffer is smaller than 16 KB (BearSSL: setBufferSizes(16384, 512)), or serve it with tls_engine: openssl, which honours max_fragment_length"
        default:
            return "the device does not trust this server: is the lab root (\(root)) in its trust store, and does the name it dialed appear in the SANs of \"\(certificate)\" (pkilab show \(certificate))?"
        }
    }
}

extension ConnectionNote {
    /// The note as the event and the console print it.
    public var text: String {
        switch self {
        case .maxFragmentLength(let bytes):
            "the client asked for TLS records of at most \(bytes) bytes (RFC 6066 max_fragment_length); this endpoint (BoringSSL) does not honour it and sends records of up to 16 KB: set tls_engine: openssl on it (which does), or give the device a 16 KB receive buffer (BearSSL: setBufferSizes(16384, 512); mbedTLS: MBEDTLS_SSL_IN_CONTENT_LEN 16384), or it fails with BR_ERR_TOO_LARGE / record_overflow"
        case .maxFragmentLengthHonoured(let bytes):
            "the client asked for TLS records of at most \(bytes) bytes (RFC 6066 max_fragment_length); this endpoint (tls_engine: openssl) honours it: every record it sends is at most \(bytes) bytes"
        case .resumedSessionChecked:
            "the session was resumed: its certificate was checked again (chain, dates, revocation, trust) as on a full handshake"
        case .noCertificateOptional:
            "no client certificate (client_auth: optional lets it in)"
        case .closedAfterAccepted:
            "the client closed the connection right after its side of the handshake; its certificate had been accepted"
        case .alpnDispatched(let alpn, let application):
            "ALPN \(alpn) on the AWS IoT port 443 twin: handed to the \(application == .mqtt ? "MQTT broker" : "HTTPS routes")"
        case .chainCompleted(let authorities):
            "the client sent no intermediate; pkilab completed the chain with \(authorities.map { "\"\($0)\"" }.joined(separator: ", ")). A server that trusts only the root (Mosquitto with cafile = root) would refuse it: send fullchain.pem"
        }
    }
}

extension CertificateProblem {
    /// What is wrong, as the end of "\"device-001\" is not valid: …".
    public var sentence: String {
        switch self {
        case .selfSigned(let issuer):
            return "it is self-signed (\(issuer)), not issued by any authority of this lab"
        case .unknownIssuer(let issuer, let authority):
            let whose = authority.map { "its authority \"\($0)\" was" } ?? "it was"
            return "\(whose) issued by \(issuer), an authority this lab does not know"
        case .signatureMismatch(let issuer):
            return "it names \(issuer) as its issuer, but that authority's key did not sign it (was the authority replaced since?)"
        case .unparseable:
            return "the bytes sent as a certificate cannot be parsed"
        case .expired(let authority, let date):
            return "\(Self.who(authority)) expired on \(LabDate.human(date))"
        case .notYetValid(let authority, let date):
            return "\(Self.who(authority)) is not valid until \(LabDate.humanWithTime(date))"
        case .authorityAsLeaf(let purpose):
            return "it is an authority certificate, not a \(purpose) certificate"
        case .missingUsage(let purpose, let usages):
            return "it is not for TLS \(purpose)s: its extended key usage is \(usages.joined(separator: ", ")), without \(purpose == .server ? "serverAuth" : "clientAuth")"
        case .nameMismatch(let host, let isIP, let nearMiss, let names):
            return "the \(isIP ? "IP address" : "name") \(host) is not in its names\(nearMiss ? " (a wildcard covers exactly one label)" : ""): \(names.joined(separator: ", "))"
        case .unknownCriticalExtension(let authority, let oids):
            let who = authority.map { "its authority \"\($0)\" has" } ?? "it has"
            return "\(who) the critical extension\(oids.count == 1 ? "" : "s") \(oids.joined(separator: ", ")), which this check does not process; RFC 5280 says to refuse a certificate with a critical extension the verifier does not know"
        case .nameConstraintViolation(let detail):
            return "one of its names is outside an authority's name constraints (\(detail))"
        case .rfc5280(let detail):
            return "RFC 5280 validation failed: \(detail)"
        case .revoked(let authority, let date, let crlReason, let by, let crlNumber):
            let who = authority.map { "its authority \"\($0)\" was" } ?? "it was"
            return "\(who) revoked on \(LabDate.humanWithTime(date))\(crlReason.map { " (\($0))" } ?? "") by \"\(by)\"\(crlNumber.map { ", CRL number \($0)" } ?? "")"
        case .weakKey(let bits):
            return "it has a \(bits)-bit RSA key; at least 2048 bits are required, as AWS IoT and OpenSSL at security level 2 require"
        }
    }

    /// What to do next; `context` is the endpoint that refused a client with it (nil for `pkilab verify`).
    public func hint(for context: RejectionContext?) -> String {
        switch self {
        case .selfSigned, .unknownIssuer:
            if let context {
                let trusted = context.trustedAuthorities.map { "\"\($0)\"" }.joined(separator: ", ")
                return "this endpoint trusts client certificates under \(trusted); issue the device's certificate from the lab (pkilab ls)"
            }
            if case .selfSigned = self { return "use a certificate issued by this lab (see pkilab ls), or add it to the trust store on purpose" }
            return "use a certificate issued by this lab (see pkilab ls), or add its authority to the lab"
        case .signatureMismatch:
            return "run pkilab issue to reissue it under the current authority"
        case .unparseable:
            return "check the file the device loads: it should be the PEM or DER of cert.pem"
        case .expired:
            if let context, !context.clock.isZero {
                return "the endpoints check with the lab's clock moved by \(context.clock) (--lab-clock-offset): it is \(LabDate.humanWithTime(context.clock.now)) for them; by this machine's clock the certificate may well be valid"
            }
            return "run pkilab issue to renew it (a certificate with a fixed not_after needs a new date in the lab file)"
        case .notYetValid:
            if let context {
                return (context.clock.isZero ? "" : "the endpoints' clock is moved by \(context.clock) (--lab-clock-offset); ")
                    + "the lab's clock says it is \(LabDate.humanWithTime(context.clock.now)); a certificate made where the clock was wrong (an unset device clock says 1970) starts in the future: check not_before in lab.yaml and the clocks, then re-issue it"
            }
            return "if this is a device, its clock may be unset (1970) or behind: set it (SNTP) before connecting"
        case .authorityAsLeaf(let purpose):
            return "use a leaf issued for role \(purpose)"
        case .missingUsage(let purpose, _):
            if context != nil { return "a client needs a certificate with role: client (or both) in lab.yaml; this one is for servers" }
            return "issue it with role: \(purpose) (or both) in the lab file"
        case .nameMismatch(let host, _, _, _):
            return "add \"\(host)\" to its names: in the lab file and run pkilab issue"
        case .unknownCriticalExtension:
            return "issue it without that extension, or mark the extension non-critical (OpenSSL, Mosquitto and AWS IoT refuse it too)"
        case .nameConstraintViolation:
            return "remove the name, or widen name_constraints on its authority"
        case .rfc5280:
            return "run pkilab show on it to see its extensions"
        case .revoked(let authority, _, _, _, _):
            return authority == nil
                ? "if that was a mistake: pkilab unrevoke; otherwise give the device a new certificate (delete its folder under ca/ and run pkilab issue)"
                : "everything its revoked authority signed is refused: pkilab unrevoke that authority, or replace it (a new subject in lab.yaml, then pkilab issue --force) and reissue what is under it"
        case .weakKey:
            return "issue the device a new key: key: rsa-2048 or ec-p256 in lab.yaml, then pkilab issue"
        }
    }

    private static func who(_ authority: String?) -> String {
        authority.map { "its authority \"\($0)\"" } ?? "it"
    }
}
