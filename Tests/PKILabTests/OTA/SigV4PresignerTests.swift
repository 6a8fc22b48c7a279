import Foundation
import Testing

@testable import PKILab

/// AWS's published query-string example (sigv4-query-string-auth): its inputs, its canonical request, string to sign
/// and signature, and the variants recomputed from them.
@Suite("SigV4 pre-signing against AWS's published example")
struct SigV4PresignerTests {
    static let credentials = SigV4Credentials(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    /// 2013-05-24T00:00:00Z.
    static let date = Date(timeIntervalSince1970: 1_369_353_600)
    static let query =
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"

    @Test("the canonical request and string to sign are AWS's documented texts")
    func documentedTexts() {
        let request = SigV4Presigner.canonicalRequest(
            method: "GET", canonicalURI: "/test.txt", canonicalQuery: Self.query,
            headers: [(name: "Host", value: "examplebucket.s3.amazonaws.com")])
        #expect(
            request == """
                GET
                /test.txt
                \(Self.query)
                host:examplebucket.s3.amazonaws.com

                host
                UNSIGNED-PAYLOAD
                """)
        let toSign = SigV4Presigner.stringToSign(
            canonicalRequest: request, amzDate: "20130524T000000Z", scope: "20130524/us-east-1/s3/aws4_request")
        #expect(
            toSign == """
                AWS4-HMAC-SHA256
                20130524T000000Z
                20130524/us-east-1/s3/aws4_request
                3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04
                """)
        #expect(
            SigV4Presigner.signature(
                stringToSign: toSign, secretAccessKey: Self.credentials.secretAccessKey,
                scope: "20130524/us-east-1/s3/aws4_request")
                == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    }

    @Test(
        "the whole URL: GET, the dual-stack host, and HEAD (the HEAD value also given by botocore 1.43.11)",
        arguments: [
            ("GET", "examplebucket.s3.amazonaws.com", "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"),
            (
                "GET", "examplebucket.s3.dualstack.us-east-1.amazonaws.com",
                "50aa6c33627b0c01d6ca9ff2fd27a2855bbe9ceb5d2624f3c8c6a0e1a509b4de"
            ),
            ("HEAD", "examplebucket.s3.amazonaws.com", "f9c58dec0c3cada1e6f133547c7b6b2ef9d7df87447a785ad1b23079005271e5"),
        ])
    func presignedURL(method: String, host: String, signature: String) {
        let url = SigV4Presigner.presign(
            method: method, host: host, path: "/test.txt", credentials: Self.credentials, date: Self.date, expires: 86400)
        #expect(url == "https://\(host)/test.txt?\(Self.query)&X-Amz-Signature=\(signature)")
    }

    @Test("UriEncode keeps A-Z a-z 0-9 - _ . ~, keeps / only in paths, and writes upper-case %XX per UTF-8 byte")
    func uriEncode() {
        #expect(SigV4Presigner.uriEncode("/a b/ü+~._-", encodeSlash: false) == "/a%20b/%C3%BC%2B~._-")
        #expect(SigV4Presigner.uriEncode("AKID/20130524/us-east-1", encodeSlash: true) == "AKID%2F20130524%2Fus-east-1")
        #expect(SigV4Presigner.uriEncode("a=b&c*", encodeSlash: true) == "a%3Db%26c%2A")
    }

    @Test("extra query parameters are signed and sorted by encoded name among the X-Amz ones")
    func extraQuery() {
        let url = SigV4Presigner.presign(
            host: "store.lab:9443", path: "/firmware/app v1.bin",
            extraQuery: [(name: "response-content-type", value: "application/octet-stream"), (name: "A", value: "1/2")],
            credentials: Self.credentials, date: Self.date, expires: 60)
        #expect(url.hasPrefix("https://store.lab:9443/firmware/app%20v1.bin?A=1%2F2&X-Amz-Algorithm="))
        #expect(url.contains("&X-Amz-SignedHeaders=host&response-content-type=application%2Foctet-stream&X-Amz-Signature="))
        let verifier = SigV4Verifier(credentials: [Self.credentials])
        let parts = SigV4VerifierTests.split(url)
        #expect(
            verifier.verify(
                method: "GET", host: parts.host, path: parts.path, query: parts.query, headers: [], now: Self.date.addingTimeInterval(30)
            ).isValid)
    }

    @Test("X-Amz-Date is written in UTC and read back; impossible dates are refused")
    func amzDates() {
        #expect(SigV4Time.amzDate(Self.date) == "20130524T000000Z")
        #expect(SigV4Time.iso8601(Date(timeIntervalSince1970: 1_522_322_254)) == "2018-03-29T11:17:34Z")
        #expect(SigV4Time.parseAmzDate("20240229T235959Z") == Date(timeIntervalSince1970: 1_709_251_199))
        #expect(SigV4Time.parseAmzDate("20230229T000000Z") == nil)
        #expect(SigV4Time.parseAmzDate("2013-05-24T00:00:00Z") == nil)
        #expect(SigV4Time.parseAmzDate("20130524T240000Z") == nil)
    }
}
