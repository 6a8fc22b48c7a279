import Foundation
import Testing

@testable import PKILab

@Suite("S3ErrorResponse: S3's error bodies, exactly")
struct S3ErrorResponseTests {
    static let awsURL = SigV4Presigner.presign(
        host: "examplebucket.s3.amazonaws.com", path: "/test.txt", credentials: SigV4PresignerTests.credentials,
        date: SigV4PresignerTests.date, expires: 86400)

    func verdict(method: String = "GET", headers: [(name: String, value: String)] = [], at offset: TimeInterval) -> SigV4Verdict {
        let parts = SigV4VerifierTests.split(Self.awsURL)
        return SigV4Verifier(credentials: [SigV4PresignerTests.credentials], allowedFutureSkew: 0).verify(
            method: method, host: parts.host, path: parts.path, query: parts.query, headers: headers,
            now: SigV4PresignerTests.date.addingTimeInterval(offset))
    }

    func fixedIDs(_ response: S3ErrorResponse?) throws -> S3ErrorResponse {
        var response = try #require(response)
        response.requestID = "4442587FB7D0A2F9"
        response.hostID = "lab-host-id"
        return response
    }

    @Test("expired 42 s after AWS's example window: 403 AccessDenied with X-Amz-Expires, Expires, ServerTime")
    func expired() throws {
        let response = try fixedIDs(verdict(at: 86400 + 42).errorResponse)
        #expect(response.status == 403)
        #expect(
            response.xml
                == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message>"
                + "<X-Amz-Expires>86400</X-Amz-Expires><Expires>2013-05-25T00:00:00Z</Expires><ServerTime>2013-05-25T00:00:42Z</ServerTime>"
                + "<RequestId>4442587FB7D0A2F9</RequestId><HostId>lab-host-id</HostId></Error>")
    }

    @Test("HEAD on AWS's GET example: 403 SignatureDoesNotMatch with the texts and their bytes")
    func signatureMismatch() throws {
        let response = try fixedIDs(verdict(method: "HEAD", at: 10).errorResponse)
        #expect(response.status == 403)
        let stringToSign =
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n311d11b36546be6f653af5a70f3622f7bdef5e6cab5a22b5436527624076bf4d"
        let canonicalRequest =
            "HEAD\n/test.txt\nX-Amz-Algorithm=AWS4-HMAC-SHA256&amp;X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&amp;X-Amz-Date=20130524T000000Z&amp;X-Amz-Expires=86400&amp;X-Amz-SignedHeaders=host\nhost:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD"
        let stringToSignBytes =
            "41 57 53 34 2d 48 4d 41 43 2d 53 48 41 32 35 36 0a 32 30 31 33 30 35 32 34 54 30 30 30 30 30 30 5a 0a 32 30 31 33 30 35 32 34 2f 75 73 2d 65 61 73 74 2d 31 2f 73 33 2f 61 77 73 34 5f 72 65 71 75 65 73 74 0a 33 31 31 64 31 31 62 33 36 35 34 36 62 65 36 66 36 35 33 61 66 35 61 37 30 66 33 36 32 32 66 37 62 64 65 66 35 65 36 63 61 62 35 61 32 32 62 35 34 33 36 35 32 37 36 32 34 30 37 36 62 66 34 64"
        let canonicalRequestBytes =
            "48 45 41 44 0a 2f 74 65 73 74 2e 74 78 74 0a 58 2d 41 6d 7a 2d 41 6c 67 6f 72 69 74 68 6d 3d 41 57 53 34 2d 48 4d 41 43 2d 53 48 41 32 35 36 26 58 2d 41 6d 7a 2d 43 72 65 64 65 6e 74 69 61 6c 3d 41 4b 49 41 49 4f 53 46 4f 44 4e 4e 37 45 58 41 4d 50 4c 45 25 32 46 32 30 31 33 30 35 32 34 25 32 46 75 73 2d 65 61 73 74 2d 31 25 32 46 73 33 25 32 46 61 77 73 34 5f 72 65 71 75 65 73 74 26 58 2d 41 6d 7a 2d 44 61 74 65 3d 32 30 31 33 30 35 32 34 54 30 30 30 30 30 30 5a 26 58 2d 41 6d 7a 2d 45 78 70 69 72 65 73 3d 38 36 34 30 30 26 58 2d 41 6d 7a 2d 53 69 67 6e 65 64 48 65 61 64 65 72 73 3d 68 6f 73 74 0a 68 6f 73 74 3a 65 78 61 6d 70 6c 65 62 75 63 6b 65 74 2e 73 33 2e 61 6d 61 7a 6f 6e 61 77 73 2e 63 6f 6d 0a 0a 68 6f 73 74 0a 55 4e 53 49 47 4e 45 44 2d 50 41 59 4c 4f 41 44"
        #expect(
            response.xml
                == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code>"
                + "<Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message>"
                + "<AWSAccessKeyId>AKIAIOSFODNN7EXAMPLE</AWSAccessKeyId><StringToSign>\(stringToSign)</StringToSign>"
                + "<SignatureProvided>aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404</SignatureProvided>"
                + "<StringToSignBytes>\(stringToSignBytes)</StringToSignBytes><CanonicalRequest>\(canonicalRequest)</CanonicalRequest>"
                + "<CanonicalRequestBytes>\(canonicalRequestBytes)</CanonicalRequestBytes>"
                + "<RequestId>4442587FB7D0A2F9</RequestId><HostId>lab-host-id</HostId></Error>")
        guard case .signatureMismatch(let mismatch) = verdict(method: "HEAD", at: 10) else { return }
        #expect(mismatch.expected == "f9c58dec0c3cada1e6f133547c7b6b2ef9d7df87447a785ad1b23079005271e5")
    }

    @Test("not yet valid 90 s early: X-Amz-Date in epoch milliseconds, Expires and ServerTime")
    func notYetValid() throws {
        let response = try fixedIDs(verdict(at: -90).errorResponse)
        #expect(
            response.xml
                == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Request is not yet valid</Message>"
                + "<X-Amz-Date>1369353600000</X-Amz-Date><Expires>2013-05-25T00:00:00Z</Expires><ServerTime>2013-05-23T23:58:30Z</ServerTime>"
                + "<RequestId>4442587FB7D0A2F9</RequestId><HostId>lab-host-id</HostId></Error>")
    }

    @Test(
        "each failure maps to S3's status and code",
        arguments: [
            (SigV4Verdict.anonymous, 403, "AccessDenied"),
            (.twoAuthMechanisms(authorization: "Basic eDp5"), 400, "InvalidArgument"),
            (.missingParameters(["X-Amz-Date"]), 400, "AuthorizationQueryParametersError"),
            (.badAlgorithm("AWS4-HMAC-SHA1"), 400, "AuthorizationQueryParametersError"),
            (.badCredential("x"), 400, "AuthorizationQueryParametersError"),
            (.badDate("x"), 400, "AuthorizationQueryParametersError"),
            (.badExpires("x"), 400, "AuthorizationQueryParametersError"),
            (.expiresOutOfRange(604_801), 400, "AuthorizationQueryParametersError"),
            (.unknownAccessKey("AKIA"), 403, "InvalidAccessKeyId"),
            (.wrongRegion(provided: "eu-west-1", expected: "us-east-1"), 400, "AuthorizationQueryParametersError"),
            (.headersNotSigned(["x-amz-meta-a"]), 403, "AccessDenied"),
        ])
    func statuses(verdict: SigV4Verdict, status: Int, code: String) throws {
        let response = try #require(verdict.errorResponse)
        #expect(response.status == status)
        #expect(response.code == code)
        #expect(response.xml.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>\(code)</Code><Message>"))
    }

    @Test("valid has no error; the messages with fixed texts are S3's")
    func messages() throws {
        #expect(SigV4Verdict.valid(signedAt: Date(), expiresAt: Date(), accessKeyID: "a").errorResponse == nil)
        let two = try #require(SigV4Verdict.twoAuthMechanisms(authorization: "Basic eDp5").errorResponse)
        #expect(
            two.message
                == "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified")
        #expect(two.extra.map(\.0) == ["ArgumentName", "ArgumentValue"] && two.extra.map(\.1) == ["Authorization", "Basic eDp5"])
        #expect(
            SigV4Verdict.missingParameters(["X-Amz-Date"]).errorResponse?.message
                == "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
        #expect(
            SigV4Verdict.expiresOutOfRange(604_801).errorResponse?.message
                == "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds")
        let unsigned = try #require(SigV4Verdict.headersNotSigned(["x-amz-meta-a", "x-amz-meta-b"]).errorResponse)
        #expect(unsigned.message == "There were headers present in the request which were not signed")
        #expect(unsigned.extra.first?.1 == "x-amz-meta-a, x-amz-meta-b")
    }

    @Test("NoSuchKey, InvalidRange and MethodNotAllowed, with escaped values and the Content-Range header")
    func makers() throws {
        let missing = try fixedIDs(S3ErrorResponse.noSuchKey(key: "firmware/<a&b>'\".bin"))
        #expect(missing.status == 404)
        #expect(
            missing.xml
                == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>"
                + "<Key>firmware/&lt;a&amp;b&gt;&apos;&quot;.bin</Key><RequestId>4442587FB7D0A2F9</RequestId><HostId>lab-host-id</HostId></Error>")
        let range = try fixedIDs(S3ErrorResponse.invalidRange(requested: "bytes=2000-", size: 1000))
        #expect(range.status == 416)
        #expect(
            range.xml
                == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InvalidRange</Code><Message>The requested range is not satisfiable</Message>"
                + "<RangeRequested>bytes=2000-</RangeRequested><ActualObjectSize>1000</ActualObjectSize>"
                + "<RequestId>4442587FB7D0A2F9</RequestId><HostId>lab-host-id</HostId></Error>")
        #expect(range.responseHeaders.map(\.0) == ["Content-Type", "x-amz-request-id", "x-amz-id-2", "Content-Range"])
        #expect(range.responseHeaders.last?.1 == "bytes */1000")
        #expect(range.responseHeaders.first?.1 == "application/xml")
        let method = S3ErrorResponse.methodNotAllowed(method: "POST")
        #expect(method.status == 405 && method.extra.map(\.1) == ["POST", "OBJECT"])
    }

    @Test("fresh request IDs look like S3's: 16 upper-case hex characters; host IDs are 76 base64 characters")
    func identifiers() {
        let response = S3ErrorResponse.noSuchKey(key: "k")
        #expect(response.requestID.count == 16 && response.requestID.allSatisfy { "0123456789ABCDEF".contains($0) })
        #expect(response.hostID.count == 76)
        #expect(S3ErrorResponse.noSuchKey(key: "k").requestID != response.requestID)
    }
}
