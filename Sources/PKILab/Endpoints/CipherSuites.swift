/// The TLS 1.2 cipher suites an endpoint's `ciphers:` may name: those the endpoints' TLS library (BoringSSL) has
/// for certificate-authenticated TLS 1.2, by their OpenSSL name or their IANA name.
public enum CipherSuites {
    /// OpenSSL name → IANA name.
    public static let tls12: [(openSSL: String, iana: String)] = [
        ("ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
        ("ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
        ("ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
        ("ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
        ("ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
        ("ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
        ("ECDHE-ECDSA-AES128-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"),
        ("ECDHE-RSA-AES128-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"),
        ("ECDHE-ECDSA-AES128-SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"),
        ("ECDHE-ECDSA-AES256-SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"),
        ("ECDHE-RSA-AES128-SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
        ("ECDHE-RSA-AES256-SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"),
        ("AES128-GCM-SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256"),
        ("AES256-GCM-SHA384", "TLS_RSA_WITH_AES_256_GCM_SHA384"),
        ("AES128-SHA", "TLS_RSA_WITH_AES_128_CBC_SHA"),
        ("AES256-SHA", "TLS_RSA_WITH_AES_256_CBC_SHA"),
        ("DES-CBC3-SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
    ]

    /// AWS IoT Core's default TLS policy `IoTSecurityPolicy_TLS13_1_2_2022_10`, its TLS 1.2 suites in AWS's order.
    public static let awsIoTPolicy2022 = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA256",
        "ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA", "ECDHE-ECDSA-AES256-SHA",
        "AES128-GCM-SHA256", "AES128-SHA256", "AES128-SHA", "AES256-GCM-SHA384", "AES256-SHA256", "AES256-SHA",
    ]

    /// The TLS 1.2 suites an `aws` MQTT listener offers when the lab sets no `ciphers:`: AWS's default policy
    /// less the four SHA-256/SHA-384 CBC suites BoringSSL does not have (ECDHE-*-AES256-SHA384, AES128-SHA256,
    /// AES256-SHA256). Its TLS 1.3 suites are already AWS's (``tls13``).
    public static let awsIoTDefault = awsIoTPolicy2022.filter(isKnown)

    /// The TLS 1.3 suites, which TLS 1.3 always offers and which cannot be chosen.
    public static let tls13 = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]

    /// Whether `name` is a TLS 1.2 suite pkilab can configure.
    public static func isKnown(_ name: String) -> Bool {
        tls12.contains { $0.openSSL == name || $0.iana == name }
    }

    /// Why `name` cannot be in `ciphers:`, and what to write instead; nil when it can.
    public static func problem(with name: String) -> (message: String, hint: String)? {
        if isKnown(name) { return nil }
        if tls13.contains(name) {
            return ("\"\(name)\" is a TLS 1.3 suite; ciphers: chooses TLS 1.2 suites only",
                    "remove it: TLS 1.3 always offers its three suites (to test without TLS 1.3, set tls_max: \"1.2\")")
        }
        let upper = name.uppercased()
        if let match = tls12.first(where: { $0.openSSL == upper || $0.iana == upper }) {
            return ("\"\(name)\" is not a TLS 1.2 cipher suite name (names are case-sensitive)", "write \(match.openSSL)")
        }
        return ("\"\(name)\" is not a TLS 1.2 cipher suite pkilab knows",
                "use an OpenSSL or IANA name such as ECDHE-ECDSA-AES128-GCM-SHA256 or TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 "
                    + "(openssl ciphers -v -tls1_2 lists them), one suite per entry")
    }
}
