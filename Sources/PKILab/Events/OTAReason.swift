import Foundation

/// What happened at one step of the OTA flow (a request to the OTA server or the object store): the facts only;
/// the words are made in `OTAReason+Words.swift`, the stable codes are ``Code``.
public enum OTAReason: Sendable, Hashable {
    /// How the OTA server handed out an image.
    public enum Delivery: Sendable, Hashable {
        /// A redirect (302 by default) to the pre-signed URL.
        case redirect(status: Int)
        /// The JSON manifest with the URL in it.
        case manifest
        /// The image itself, from the OTA server (with `x-MD5`), as the ESP8266 update server in its docs does.
        case direct
    }

    // The OTA server (on the HTTPS endpoint, with the device's certificate).
    /// `lifetime`: seconds from now until the URL expires (negative when it already has, as with the `expired` fault).
    case updateOffered(identity: String, running: String?, image: String, version: String, delivery: Delivery, lifetime: Int, fault: OTAFault?)
    case noUpdate(identity: String, running: String, image: String)
    /// No versioned image the identity may get: `refusedBy` is the decision on the newest one it may not get.
    case noImage(identity: String, product: String?, imagesFolder: String, refusedBy: String?)
    case noIdentity
    /// The `not-allowed` fault.
    case notAllowed(identity: String, image: String)

    // The object store.
    case downloaded(image: String, bytes: Int, total: Int, seconds: Double, rangeStart: Int?, head: Bool)
    /// The device downloaded from the untrusted store (the `wrong-ca` fault): it accepted a certificate under a root it
    /// must not trust.
    case untrustedStoreAccepted(image: String, bytes: Int)
    /// The `interrupt` fault: the body was cut off after `sent` bytes.
    case downloadInterrupted(image: String, sent: Int, total: Int)
    /// The device closed the connection before the body was complete.
    case downloadAborted(image: String, sent: Int, expected: Int)
    case urlExpired(secondsAgo: Int)
    case urlNotYetValid(secondsAhead: Int)
    case signatureMismatch
    case methodNotSigned(method: String, signedFor: String)
    case badQueryAuthentication(detail: String)
    case unknownAccessKey(String)
    case twoAuthMechanisms
    case headersNotSigned([String])
    case anonymousRequest
    case noSuchKey(String)
    case rangeNotSatisfiable(range: String, size: Int)
    case methodNotAllowed(String)

    /// Stable codes, as `reason` in `ca/events.jsonl` and in docs/reasons.md's OTA table.
    public enum Code: String, Sendable, CaseIterable {
        case updateOffered = "update_offered"
        case noUpdate = "no_update"
        case noImage = "no_image"
        case noIdentity = "no_identity"
        case notAllowed = "not_allowed"
        case downloaded
        case untrustedStoreAccepted = "untrusted_store_accepted"
        case downloadInterrupted = "download_interrupted"
        case downloadAborted = "download_aborted"
        case urlExpired = "url_expired"
        case urlNotYetValid = "url_not_yet_valid"
        case signatureMismatch = "signature_mismatch"
        case methodNotSigned = "method_not_signed"
        case badQueryAuthentication = "bad_query_auth"
        case unknownAccessKey = "unknown_access_key"
        case twoAuthMechanisms = "two_auth_mechanisms"
        case headersNotSigned = "headers_not_signed"
        case anonymousRequest = "anonymous_request"
        case noSuchKey = "no_such_key"
        case rangeNotSatisfiable = "range_not_satisfiable"
        case methodNotAllowed = "method_not_allowed"
    }

    public var code: Code {
        switch self {
        case .updateOffered: .updateOffered
        case .noUpdate: .noUpdate
        case .noImage: .noImage
        case .noIdentity: .noIdentity
        case .notAllowed: .notAllowed
        case .downloaded: .downloaded
        case .untrustedStoreAccepted: .untrustedStoreAccepted
        case .downloadInterrupted: .downloadInterrupted
        case .downloadAborted: .downloadAborted
        case .urlExpired: .urlExpired
        case .urlNotYetValid: .urlNotYetValid
        case .signatureMismatch: .signatureMismatch
        case .methodNotSigned: .methodNotSigned
        case .badQueryAuthentication: .badQueryAuthentication
        case .unknownAccessKey: .unknownAccessKey
        case .twoAuthMechanisms: .twoAuthMechanisms
        case .headersNotSigned: .headersNotSigned
        case .anonymousRequest: .anonymousRequest
        case .noSuchKey: .noSuchKey
        case .rangeNotSatisfiable: .rangeNotSatisfiable
        case .methodNotAllowed: .methodNotAllowed
        }
    }

    /// Whether the lab served what was asked (the event's outcome is `accepted`).
    public var isSuccess: Bool {
        switch self {
        case .updateOffered, .noUpdate, .downloaded, .untrustedStoreAccepted: true
        default: false
        }
    }

    /// Whether the device did what a device must not (it trusted the untrusted store): printed as a failure.
    public var isDeviceFailure: Bool {
        if case .untrustedStoreAccepted = self { return true }
        return false
    }
}
