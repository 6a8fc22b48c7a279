/// What `pkilab export` can write for a lab identity: one folder per format, for one kind of firmware project.
public enum ExportFormat: String, Sendable, Hashable, Codable, CaseIterable {
    /// PEM: cert, key (PKCS#8, or the traditional form on request), chain, fullchain, CA.
    case pem
    /// DER: `cert.der`, `private.der` (PKCS#1 for RSA, SEC1 for EC; PKCS#8 on request), `ca.der`.
    case der
    /// A C header with PEM strings and DER arrays (ESP-IDF, mbedTLS, wolfSSL, any C).
    case c
    /// The same for Arduino (`PROGMEM`), plus a `secrets.h` in the AWS IoT sketch layout.
    case arduino
    /// ESP-IDF: `server_certs/ca_cert.pem`, client cert/key for `EMBED_TXTFILES`, an x509 certificate bundle.
    case espIDF = "esp-idf"
    /// BearSSL trust anchors, certificate chain and private key as C code, as `brssl ta`, `brssl chain` and `brssl skey` write them.
    case bearssl
    /// PKCS#12 (`.p12`) with a password, for browsers, Java, Android and macOS.
    case p12

    /// Who uses it, for the README and the export's own README.
    public var usedBy: String {
        switch self {
        case .pem: "OpenSSL, Mosquitto (cafile/certfile/keyfile), libmosquitto, paho-mqtt, curl, nginx, Python ssl, mbedTLS mbedtls_x509_crt_parse_file"
        case .der: "ESP8266 Arduino core (BearSSL X509List/PrivateKey from SPIFFS/LittleFS), the old axTLS loadCertificate/loadPrivateKey, BearSSL br_x509_decoder/br_skey_decoder"
        case .c: "ESP-IDF esp_mqtt_client_config_t / esp_tls_cfg_t (PEM strings, NUL-terminated), mbedTLS, wolfSSL wolfSSL_CTX_load_verify_buffer, BearSSL (DER arrays)"
        case .arduino: "Arduino-ESP32 NetworkClientSecure setCACert/setCertificate/setPrivateKey, ESP8266 BearSSL::X509List/PrivateKey, AWS IoT sketches (secrets.h)"
        case .espIDF: "ESP-IDF EMBED_TXTFILES (server_certs/ca_cert.pem), esp_crt_bundle_attach / esp_crt_bundle_set, CONFIG_MBEDTLS_CUSTOM_CERTIFICATE_BUNDLE_PATH"
        case .bearssl: "BearSSL br_ssl_client_init_full (TAs, TAs_NUM) and br_ssl_client_set_single_ec/_rsa (CHAIN, CHAIN_LEN, EC_PRI or RSA), ESP8266 sketches, with nothing decoded at run time"
        case .p12: "browsers, Java keytool, Android, macOS Keychain, openssl pkcs12, .NET"
        }
    }
}
