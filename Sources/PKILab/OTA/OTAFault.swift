/// A failure on purpose in the OTA flow, so device code can prove it handles each one (as the zoo does for TLS).
///
/// Chosen per request with `?fault=NAME` on the OTA routes, or for every request with `ota.fault:` in lab.yaml.
/// Faults the object store carries out travel inside the pre-signed URL, as a signed `x-pkilab-fault` parameter.
public enum OTAFault: String, Sendable, Hashable, Codable, CaseIterable {
    /// The URL expired before the device used it (a slow device, a stale job document): 403 `AccessDenied`.
    case expired
    /// The URL's date is in the future (the signer's clock is ahead): 403 `AccessDenied` "Request is not yet valid".
    case notYetValid = "not-yet-valid"
    /// The signature was changed after signing: 403 `SignatureDoesNotMatch`.
    case tampered
    /// The redirect goes to a store whose certificate chains to a root the device lacks: the handshake fails.
    case wrongCA = "wrong-ca"
    /// The store cuts the first download off halfway; a `Range: bytes=N-` request resumes it (206).
    case interrupt
    /// The manifest (and `x-MD5`) announce digests that do not match the image: the device must refuse it.
    case badDigest = "bad-digest"
    /// The device is told it may not have the image: 403.
    case notAllowed = "not-allowed"
    /// The URL carries a long `X-Amz-Security-Token`, as temporary credentials do: longer than ESP-IDF's 512-byte
    /// request buffer (`HTTP_CLIENT: Out of buffer`).
    case longURL = "long-url"
    /// The redirect is a 308, which ESP8266httpUpdate does not follow (-104 Wrong HTTP Code).
    case redirect308 = "redirect-308"

    /// What it rehearses, in one sentence.
    public var rehearses: String {
        switch self {
        case .expired: "a pre-signed URL used after it expired (a slow device or a stale job document)"
        case .notYetValid: "a pre-signed URL dated in the future (the signer's clock runs ahead)"
        case .tampered: "a pre-signed URL changed after signing"
        case .wrongCA: "a redirect to an object store whose certificate chains to a root the device does not trust"
        case .interrupt: "a download cut off halfway, to be resumed with Range"
        case .badDigest: "an image whose SHA-256 and MD5 do not match what the server announced"
        case .notAllowed: "a device that may not have the image"
        case .longURL: "a pre-signed URL longer than the device's request buffer (temporary credentials add a long token)"
        case .redirect308: "a 308 redirect, which ESP8266httpUpdate does not follow"
        }
    }

    /// What a device that handles it does.
    public var deviceShould: String {
        switch self {
        case .expired, .notYetValid, .tampered: "stop the update and report the 403 (ESP-IDF: File not found(403); ESP8266httpUpdate: -103)"
        case .wrongCA: "refuse the store's certificate and keep running the old image"
        case .interrupt: "ask again with Range: bytes=N- and finish the image (ESP-IDF 5.5+ with ota_resumption)"
        case .badDigest: "refuse to boot the image (ESP-IDF: image hash check; ESP8266: MD5 verification failed)"
        case .notAllowed: "stop and report the 403 without retrying in a loop"
        case .longURL: "fail cleanly (ESP-IDF: raise buffer_size_tx) rather than send a truncated request"
        case .redirect308: "follow it, or fail cleanly (ESP8266httpUpdate: -104)"
        }
    }

    /// Faults the object store acts on (the rest are the OTA server's).
    public var isStoreFault: Bool { self == .interrupt }
}
