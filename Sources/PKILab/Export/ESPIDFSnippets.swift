/// The lines an ESP-IDF project needs around the exported files.
enum ESPIDFSnippets {
    static let cmake = """
        # main/CMakeLists.txt: embed the lab's files (paths relative to the project root).
        idf_component_register(SRCS "main.c"
                               INCLUDE_DIRS "."
                               EMBED_TXTFILES ${project_dir}/server_certs/ca_cert.pem
                                              certs/client.crt
                                              certs/client.key)
        # In C: extern const uint8_t server_cert_pem_start[] asm("_binary_ca_cert_pem_start");
        #       extern const uint8_t client_cert_pem_start[] asm("_binary_client_crt_start");
        #       extern const uint8_t client_key_pem_start[]  asm("_binary_client_key_start");

        """

    static let sdkconfig = """
        # Use the lab's roots in ca_cert.pem (with ota:, also the object store's) as the only entries of the
        # certificate bundle (esp_crt_bundle_attach), or load x509_crt_bundle.bin yourself with esp_crt_bundle_set().
        CONFIG_MBEDTLS_CERTIFICATE_BUNDLE=y
        CONFIG_MBEDTLS_CERTIFICATE_BUNDLE_DEFAULT_NONE=y
        CONFIG_MBEDTLS_CUSTOM_CERTIFICATE_BUNDLE=y
        CONFIG_MBEDTLS_CUSTOM_CERTIFICATE_BUNDLE_PATH="server_certs/ca_cert.pem"

        """

    static func client(_ material: ExportMaterial) -> String {
        """
        // esp-mqtt (ESP-IDF v5.x layout; v4.x used the flat .uri/.cert_pem/.client_cert_pem/.client_key_pem fields).
        const esp_mqtt_client_config_t mqtt_cfg = {
            .broker.address.uri = "mqtts://\(material.host):\(material.mqttPort)",
            .broker.verification.certificate = (const char *)server_cert_pem_start,
            .credentials.client_id = "\(material.name)",
            .credentials.authentication.certificate = (const char *)client_cert_pem_start,
            .credentials.authentication.key = (const char *)client_key_pem_start,
        };

        // esp_http_client / esp_https_ota against the lab's HTTPS endpoint.
        esp_http_client_config_t http_cfg = {
            .url = "https://\(material.host):\(material.httpsPort)/files/firmware.bin",
            .cert_pem = (const char *)server_cert_pem_start,
            .client_cert_pem = (const char *)client_cert_pem_start,
            .client_key_pem = (const char *)client_key_pem_start,
        };

        """
    }

    /// `esp_https_ota` against the OTA URL, with the lab's roots (ca_cert.pem holds every root the device trusts)
    /// and the client certificate, for ESP-IDF v5.x.
    static func ota(_ material: ExportMaterial, url: String) -> String {
        """
        // esp_https_ota (ESP-IDF v5.x) from \(CSource.escaped(url)), as \(material.name).
        // server_cert_pem_start is server_certs/ca_cert.pem: the lab root\(material.extraRoots.isEmpty ? "" : " and every other root: the OTA server redirects to an object store whose certificate chains to another CA, as S3's does, and the same cert_pem checks both hosts").
        // The lab answers 302 to a pre-signed URL, or 304 when the running version is current (ESP-IDF 5.5+: ESP_ERR_HTTP_NOT_MODIFIED).
        #include "esp_app_desc.h"
        #include "esp_https_ota.h"
        #include "esp_http_client.h"

        static esp_err_t lab_ota_http_init(esp_http_client_handle_t client)
        {
            // The running version, so the OTA server can say there is nothing newer.
            return esp_http_client_set_header(client, "x-firmware-version", esp_app_get_description()->version);
        }

        static esp_err_t lab_ota_update(void)
        {
            esp_http_client_config_t http_cfg = {
                .url = "\(CSource.escaped(url))",
                .cert_pem = (const char *)server_cert_pem_start,
                .client_cert_pem = (const char *)client_cert_pem_start,
                .client_key_pem = (const char *)client_key_pem_start,
                .keep_alive_enable = true,
            };
            esp_https_ota_config_t ota_cfg = {
                .http_config = &http_cfg,
                .http_client_init_cb = lab_ota_http_init,
            };
            return esp_https_ota(&ota_cfg);   // then esp_restart() on ESP_OK
        }

        """
    }
}
