extension SigV4Verdict {
    /// The facts of a signature that does not match: what was provided, what the verifier expected, the texts it
    /// signed (S3 returns both in its `SignatureDoesNotMatch` body), and, when the same URL verifies under another of
    /// GET, HEAD and PUT, the method it was signed for.
    public struct SignatureMismatch: Sendable, Hashable {
        /// The access key ID of `X-Amz-Credential`.
        public var accessKeyID: String
        /// `X-Amz-Signature` as received.
        public var provided: String
        /// The signature of ``stringToSign`` under the key's secret.
        public var expected: String
        /// The canonical request recomputed from the request as received.
        public var canonicalRequest: String
        /// The string to sign built from ``canonicalRequest``.
        public var stringToSign: String
        /// The method the URL was signed for, when recomputing with another of GET, HEAD, PUT gives the provided
        /// signature: "HEAD on a URL signed for GET" is then a fact, not a guess. Nil when no method matches.
        public var signedForMethod: String?

        public init(
            accessKeyID: String,
            provided: String,
            expected: String,
            canonicalRequest: String,
            stringToSign: String,
            signedForMethod: String?
        ) {
            self.accessKeyID = accessKeyID
            self.provided = provided
            self.expected = expected
            self.canonicalRequest = canonicalRequest
            self.stringToSign = stringToSign
            self.signedForMethod = signedForMethod
        }
    }
}
