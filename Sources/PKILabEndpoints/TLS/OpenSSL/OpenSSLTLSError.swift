/// A failed handshake, or a TLS error after it, on the OpenSSL engine: what OpenSSL said, and the alerts.
struct OpenSSLTLSError: Error, CustomStringConvertible {
    /// Each queued OpenSSL error's reason, upper-cased with underscores ("PEER_DID_NOT_RETURN_A_CERTIFICATE",
    /// "SSLV3_ALERT_BAD_CERTIFICATE", "CERTIFICATE_VERIFY_FAILED", "NO_SHARED_CIPHER", "HTTP_REQUEST"): the names
    /// BoringSSL's errors carry, so ``TLSFailure`` reads both engines alike.
    let reasons: [String]
    /// OpenSSL's own lines (`error:0A000086:SSL routines::certificate verify failed`).
    let lines: [String]
    /// The fatal alert this server sent, if it sent one.
    let alertSent: UInt8?
    /// A fatal alert the client sent.
    let alertReceived: UInt8?
    /// `SSL_get_verify_result` when it is not X509_V_OK.
    let verifyResult: Int?

    /// `OpenSSL: error:…:certificate verify failed (OPENSSL_internal:CERTIFICATE_VERIFY_FAILED); sent alert 45
    /// certificate_expired`: the `OPENSSL_internal:` names as BoringSSL's errors print them.
    var description: String {
        var parts = zip(lines, reasons).map { "\($0) (OPENSSL_internal:\($1))" }
        if parts.isEmpty { parts = ["no error queued"] }
        if let alertSent { parts.append("sent alert \(alertSent) \(TLSAlert.name(alertSent))") }
        if let alertReceived { parts.append("received alert \(alertReceived) \(TLSAlert.name(alertReceived))") }
        return "OpenSSL: " + parts.joined(separator: "; ")
    }
}
