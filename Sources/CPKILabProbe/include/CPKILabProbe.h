#ifndef CPKILAB_PROBE_H
#define CPKILAB_PROBE_H

#include <stddef.h>

// What a device-side TLS connection to a server found out (system OpenSSL, libssl-dev). Strings are
// NUL-terminated; lists are separated by '\n'.
typedef struct {
    int connected;            // TCP and TLS both completed
    char error[512];          // why not, in OpenSSL's words
    char version[32];
    char cipher[96];
    char alpn[64];
    int asked_for_certificate; // the server sent a CertificateRequest
    char ca_names[2048];      // the CA names it listed in it
    char chain[4096];         // subjects of the certificates it sent, leaf first
    long verify_lab;          // X509_V_OK (0) when the lab root (cafile) trusts the chain and the name matches
    char verify_lab_text[256];
    long verify_system;       // the same against the system's trust store
    char verify_system_text[256];
    int resumed;              // a second connection resumed the first one's session
    int http_status;          // for HTTP probes: the status code, or 0
} pkilab_probe_result;

// Connects to host:port (SNI and the name checked: name), presenting certfile/keyfile when given, offering
// alpn (comma-separated) when given; with http_path, sends GET and reads the status line.
void pkilab_tls_probe(const char *host, int port, const char *name, const char *cafile, const char *certfile, const char *keyfile,
                      const char *alpn, const char *http_path, int timeout_seconds, pkilab_probe_result *result);

// MQTT CONNECT through libmosquitto with the same files; returns the CONNACK code (0 accepted), or -1 when the
// connection was closed without one, and writes libmosquitto's words into error.
int pkilab_mqtt_probe(const char *host, int port, const char *cafile, const char *certfile, const char *keyfile,
                      const char *client_id, int version5, int timeout_seconds, char *error, size_t error_size);

#endif
