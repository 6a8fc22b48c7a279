import Foundation

// The words of every OTA step: what happened, and what a device developer does next.

extension OTAReason {
    /// The sentence and hint of this step.
    public var words: (explanation: String, hint: String?) {
        switch self {
        case .updateOffered(let identity, let running, let image, let version, let delivery, let lifetime, let fault):
            let runs = running.map { " (running \($0))" } ?? " (it sent no version)"
            let how: String
            switch delivery {
            case .redirect(let status): how = "via a \(status) redirect to a URL that \(Self.expiry(lifetime))"
            case .manifest: how = "a manifest with a URL that \(Self.expiry(lifetime))"
            case .direct: how = "directly from the OTA server, with x-MD5"
            }
            let faultText = fault.map { "; fault \($0.rawValue) on purpose: \($0.rehearses)" } ?? ""
            return ("\(identity) asked for an update\(runs); sent \(version) (\(image)) \(how)\(faultText)",
                    fault.map { "a device that handles it should \($0.deviceShould)" })
        case .noUpdate(let identity, let running, let image):
            return ("\(identity) runs \(running), as new as the newest image it may get (\(image)): no update (304 Not Modified)",
                    "ESP-IDF 5.5+ reports ESP_ERR_HTTP_NOT_MODIFIED, ESP8266httpUpdate HTTP_UPDATE_NO_UPDATES; older ESP-IDF treats a 304 as an error")
        case .noImage(let identity, let product, let folder, let refusedBy):
            let what = product.map { "no versioned image of \"\($0)\"" } ?? "no versioned image"
            if let refusedBy {
                return ("\(identity) asked for an update, but it may get \(what): the newest one is \(refusedBy) (403)",
                        "allow it under ota.targets in lab.yaml, or give the device another identity")
            }
            return ("\(identity) asked for an update, but \(folder) holds \(what) (404)",
                    "put an image named like app-v1.2.0.bin in \(folder) (pkilab ota image 1.2.0 makes a rehearsal one)")
        case .noIdentity:
            return ("a client without a certificate asked the OTA server for an update (403): the OTA server needs to know the device",
                    "the device presents its client certificate (esp_http_client: client_cert_pem and client_key_pem)")
        case .notAllowed(let identity, let image):
            return ("\(identity) was told it may not have \(image) (403), on purpose (fault not-allowed)",
                    "a device that handles it should \(OTAFault.notAllowed.deviceShould)")
        case .downloaded(let image, let bytes, let total, let seconds, let rangeStart, let head):
            if head {
                return ("HEAD of \(image): \(Self.grouped(total)) bytes", nil)
            }
            let span = rangeStart.map { start in
                start > 0 ? ", resumed at \(Self.grouped(start))" : (bytes < total ? ", a range of \(Self.grouped(total))" : "")
            } ?? ""
            return ("download of \(image): \(Self.grouped(bytes)) bytes in \(String(format: seconds < 10 ? "%.2f" : "%.1f", seconds)) s\(span)", nil)
        case .untrustedStoreAccepted(let image, let bytes):
            return ("WRONGLY ACCEPTED: the device downloaded \(image) (\(Self.grouped(bytes)) bytes) from the store whose certificate chains to a root it must not trust (fault wrong-ca)",
                    "the device does not check the store's certificate (esp_http_client without cert_pem or crt_bundle_attach, setInsecure(), curl -k): give it the CA bundle and let it refuse")
        case .downloadInterrupted(let image, let sent, let total):
            return ("download of \(image) cut off on purpose after \(Self.grouped(sent)) of \(Self.grouped(total)) bytes (fault interrupt)",
                    "a device that resumes asks again with Range: bytes=\(sent)- (ESP-IDF 5.5+: ota_resumption); one that does not fails with a short read")
        case .downloadAborted(let image, let sent, let expected):
            return ("the device closed the connection after \(Self.grouped(sent)) of \(Self.grouped(expected)) bytes of \(image)",
                    "out of memory or flash, a watchdog, or a read timeout on the device; resume with Range: bytes=\(sent)-")
        case .urlExpired(let ago):
            return ("URL expired \(ago) s ago: S3 answers 403 AccessDenied \"Request has expired\"",
                    "S3 checks the expiry on every request, against its own clock: the device waited too long between getting the URL and using it, or a chunked download outlived it; ask the OTA server for a fresh URL, or raise ota.url_lifetime")
        case .urlNotYetValid(let ahead):
            return ("the URL is dated \(ahead) s in the future: S3 answers 403 AccessDenied \"Request is not yet valid\"",
                    "the signer's clock runs ahead of the store's (the device's clock plays no part); sign with a correct clock")
        case .signatureMismatch:
            return ("signature does not match (the URL was changed after signing): 403 SignatureDoesNotMatch",
                    "use the URL exactly as received: no re-encoding of %2F, no added or reordered parameters, the same host and port")
        case .methodNotSigned(let method, let signedFor):
            return ("a \(method) on a URL signed for \(signedFor): S3 answers 403 SignatureDoesNotMatch (the method is part of the signature)",
                    method == "HEAD"
                        ? "ESP-IDF's partial_http_download before v6.1 starts with a HEAD and fails this way (Received incorrect http status 403): turn partial_http_download off, or use ESP-IDF 6.1+"
                        : "request the URL with the method it was signed for")
        case .badQueryAuthentication(let detail):
            return ("the pre-signed URL is malformed: \(detail) (400 AuthorizationQueryParametersError)",
                    "use the URL exactly as the OTA server or pkilab ota presign gave it")
        case .unknownAccessKey(let key):
            return ("the URL is signed with the access key \(key), which this store does not know (403 InvalidAccessKeyId)",
                    "sign with the lab's key (pkilab ota presign), or declare yours under ota.credentials in lab.yaml")
        case .twoAuthMechanisms:
            return ("the request carries an Authorization header as well as a pre-signed URL: S3 allows only one (400 InvalidArgument)",
                    "the device forwarded its credentials across the redirect (ESP-IDF and ESP8266HTTPClient keep Basic auth): set no credentials for the OTA server, or clear them before following the redirect")
        case .headersNotSigned(let headers):
            return ("the request has x-amz- headers the URL did not sign (\(headers.joined(separator: ", "))): 403 AccessDenied",
                    "send no x-amz- headers with a pre-signed URL")
        case .anonymousRequest:
            return ("a request without a signature: the bucket is private, so S3 answers 403 AccessDenied",
                    "download with the pre-signed URL the OTA server gives (GET /ota/update or /ota/manifest with the device's certificate)")
        case .noSuchKey(let key):
            return ("there is no object \(key) (404 NoSuchKey)", "pkilab ota ls lists the images; was it renamed or removed after the URL was made?")
        case .rangeNotSatisfiable(let range, let size):
            return ("the device asked for \(range) of a \(Self.grouped(size))-byte image (416 InvalidRange)",
                    "a resumed download starts below the size; ESP-IDF 5.5+ starts again at 0 on a 416")
        case .methodNotAllowed(let method):
            return ("\(method) is not allowed on a pre-signed GET URL (405)", "download with GET (or HEAD on a URL signed for HEAD)")
        }
    }

    /// "expires in 300 s", or "expired 20 s ago" (the fault expired).
    static func expiry(_ seconds: Int) -> String {
        seconds > 0 ? "expires in \(seconds) s" : "expired \(-seconds) s ago"
    }

    /// 1,048,576.
    static func grouped(_ number: Int) -> String {
        let digits = String(number)
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return result
    }
}
