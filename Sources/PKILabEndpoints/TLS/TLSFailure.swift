import Foundation
import PKILab

/// The one place that reads the TLS library's error and says which ``RejectionReason`` it is. It finds the case
/// only; the words are made from the case (`RejectionReason+Words.swift`).
enum TLSFailure {
    /// The reason for a handshake that failed with `error`, given what the connection saw so far.
    /// - Parameters:
    ///   - hello: the client's ClientHello, when it was read (for the versions and groups it offered).
    ///   - clientAlert: a fatal alert the client sent in plain text (TLS 1.3, where BoringSSL only says
    ///     BAD_PACKET_LENGTH).
    ///   - sawCertificate: whether pkilab's check saw a client certificate (a bad signature then means the key
    ///     does not match it).
    static func classify(_ error: any Error, hello: ClientHello?, clientAlert: UInt8?, sawCertificate: Bool) -> ConnectionStateMachine.Failure {
        let text = String(describing: error)
        let reasons = text.matches(of: /OPENSSL_internal:([A-Z0-9_]+)/).map { String($0.1) }
        func failure(_ reason: RejectionReason) -> ConnectionStateMachine.Failure { .init(reason: reason, detail: text) }
        if reasons.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") { return failure(.noClientCertificate) }
        if reasons.contains("BAD_SIGNATURE") || reasons.contains("WRONG_SIGNATURE_TYPE") {
            return failure(sawCertificate ? .keyMismatch : .handshakeFailed(library: "BAD_SIGNATURE"))
        }
        if let alert = reasons.first(where: { $0.contains("_ALERT_") }).map(alertName) ?? clientAlert.map(TLSAlert.name) {
            return failure(.clientRejectedServer(alert: alert))
        }
        if reasons.contains(where: { ["UNSUPPORTED_PROTOCOL", "WRONG_VERSION_NUMBER", "TLSV1_ALERT_PROTOCOL_VERSION"].contains($0) }) {
            return failure(.protocolVersion(offered: hello?.versions ?? []))
        }
        if reasons.contains("NO_SHARED_GROUP") || (hello?.offersNoUsableGroup == true && !reasons.contains("HTTP_REQUEST")) {
            return failure(.noSharedCipher(.group))
        }
        if reasons.contains("NO_COMMON_SIGNATURE_ALGORITHMS") { return failure(.noSharedCipher(.signatureAlgorithm)) }
        if reasons.contains("NO_SHARED_CIPHER") { return failure(.noSharedCipher(.cipher)) }
        if reasons.contains(where: { ["HTTP_REQUEST", "HTTPS_PROXY_REQUEST"].contains($0) }) {
            return failure(.notATLSClient(firstBytes: nil, plainHTTP: true, httpsURL: nil))
        }
        if ConnectionStateMachine.isHangUp(text) { return failure(.peerClosed) }
        return failure(.handshakeFailed(library: reasons.first ?? text))
    }

    /// `TLSV1_ALERT_UNKNOWN_CA` → `unknown_ca`.
    private static func alertName(_ reason: String) -> String {
        reason.replacingOccurrences(of: "SSLV3_ALERT_", with: "").replacingOccurrences(of: "TLSV1_ALERT_", with: "").lowercased()
    }
}
