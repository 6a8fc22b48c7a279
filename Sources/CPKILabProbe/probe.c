#include "CPKILabProbe.h"

#include <arpa/inet.h>
#include <mosquitto.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static void append(char *buffer, size_t size, const char *text) {
    size_t used = strlen(buffer);
    if (used + 1 >= size) return;
    snprintf(buffer + used, size - used, "%s%s", used ? "\n" : "", text);
}

static void openssl_error(char *buffer, size_t size, const char *what) {
    unsigned long code = ERR_get_error();
    char reason[256] = "";
    if (code) ERR_error_string_n(code, reason, sizeof reason);
    snprintf(buffer, size, "%s%s%s", what, reason[0] ? ": " : "", reason);
}

static int dial(const char *host, int port, int timeout_seconds, char *error, size_t error_size) {
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {0}, *list = NULL;
    hints.ai_socktype = SOCK_STREAM;
    int status = getaddrinfo(host, service, &hints, &list);
    if (status != 0) {
        snprintf(error, error_size, "cannot resolve %s: %s", host, gai_strerror(status));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *entry = list; entry && fd < 0; entry = entry->ai_next) {
        fd = socket(entry->ai_family, entry->ai_socktype, entry->ai_protocol);
        if (fd < 0) continue;
        struct timeval timeout = {timeout_seconds, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
        if (connect(fd, entry->ai_addr, entry->ai_addrlen) != 0) { close(fd); fd = -1; }
    }
    freeaddrinfo(list);
    if (fd < 0) snprintf(error, error_size, "cannot connect to %s:%d (nothing listens there, or a firewall)", host, port);
    return fd;
}

// Notes a CertificateRequest from the server (TLS 1.2 and 1.3 alike; the callback sees decrypted handshake messages).
static void message_callback(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl, void *arg) {
    (void)version; (void)ssl;
    if (!write_p && content_type == SSL3_RT_HANDSHAKE && len > 0 && ((const unsigned char *)buf)[0] == SSL3_MT_CERTIFICATE_REQUEST) {
        *(int *)arg = 1;
    }
}

static void verify_against(STACK_OF(X509) *chain, const char *name, const char *cafile, long *result, char *text, size_t size) {
    X509_STORE *store = X509_STORE_new();
    if (cafile) X509_STORE_load_file(store, cafile); else X509_STORE_set_default_paths(store);
    X509_STORE_CTX *context = X509_STORE_CTX_new();
    X509_STORE_CTX_init(context, store, sk_X509_value(chain, 0), chain);
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(context);
    X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
    unsigned char address[16];
    if (inet_pton(AF_INET, name, address) == 1 || inet_pton(AF_INET6, name, address) == 1) X509_VERIFY_PARAM_set1_ip_asc(param, name);
    else X509_VERIFY_PARAM_set1_host(param, name, 0);
    *result = X509_verify_cert(context) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(context);
    snprintf(text, size, "%s", X509_verify_cert_error_string(*result));
    X509_STORE_CTX_free(context);
    X509_STORE_free(store);
}

static SSL *handshake(SSL_CTX *ctx, int fd, const char *name, SSL_SESSION *session, char *error, size_t error_size) {
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    unsigned char address[16];
    if (inet_pton(AF_INET, name, address) != 1 && inet_pton(AF_INET6, name, address) != 1) SSL_set_tlsext_host_name(ssl, name);
    if (session) SSL_set_session(ssl, session);
    if (SSL_connect(ssl) != 1) {
        openssl_error(error, error_size, "the TLS handshake failed");
        SSL_free(ssl);
        return NULL;
    }
    return ssl;
}

void pkilab_tls_probe(const char *host, int port, const char *name, const char *cafile, const char *certfile, const char *keyfile,
                      const char *alpn, const char *http_path, int timeout_seconds, pkilab_probe_result *result) {
    memset(result, 0, sizeof *result);
    result->verify_lab = -1;
    result->verify_system = -1;
    int asked = 0;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);  // the chain is judged below, against the lab root and the system
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT);
    if (certfile && keyfile) {
        int loaded = SSL_CTX_use_certificate_chain_file(ctx, certfile) == 1;
        int reason = ERR_GET_REASON(ERR_peek_last_error());
        if (!loaded && (reason == SSL_R_EE_KEY_TOO_SMALL || reason == SSL_R_CA_MD_TOO_WEAK || reason == SSL_R_CA_KEY_TOO_SMALL)) {
            // A weak identity on purpose (the zoo's weak-key client): present it, as a device with it would.
            ERR_clear_error();
            SSL_CTX_set_security_level(ctx, 0);
            loaded = SSL_CTX_use_certificate_chain_file(ctx, certfile) == 1;
        }
        if (!loaded || SSL_CTX_use_PrivateKey_file(ctx, keyfile, SSL_FILETYPE_PEM) != 1) {
            openssl_error(result->error, sizeof result->error, "cannot load the client certificate and key");
            SSL_CTX_free(ctx);
            return;
        }
    }
    SSL_CTX_set_msg_callback(ctx, message_callback);
    SSL_CTX_set_msg_callback_arg(ctx, &asked);
    if (alpn && alpn[0]) {
        unsigned char wire[256];
        size_t length = 0;
        const char *start = alpn;
        while (*start && length < sizeof wire - 1) {
            const char *end = strchr(start, ',');
            size_t item = end ? (size_t)(end - start) : strlen(start);
            if (item == 0 || item > 255 || length + 1 + item > sizeof wire) break;
            wire[length++] = (unsigned char)item;
            memcpy(wire + length, start, item);
            length += item;
            start += item + (end ? 1 : 0);
        }
        SSL_CTX_set_alpn_protos(ctx, wire, (unsigned)length);
    }
    int fd = dial(host, port, timeout_seconds, result->error, sizeof result->error);
    if (fd < 0) { SSL_CTX_free(ctx); return; }
    SSL *ssl = handshake(ctx, fd, name, NULL, result->error, sizeof result->error);
    if (!ssl) { result->asked_for_certificate = asked; close(fd); SSL_CTX_free(ctx); return; }
    // A server that refuses the client's certificate in TLS 1.3 says so after the handshake: read once.
    if (!http_path && SSL_version(ssl) == TLS1_3_VERSION) {
        char probe[1];
        struct timeval brief = {0, 300000};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &brief, sizeof brief);
        int read = SSL_peek(ssl, probe, 1);
        int kind = read > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl, read);
        if (kind == SSL_ERROR_SSL || kind == SSL_ERROR_ZERO_RETURN) {
            openssl_error(result->error, sizeof result->error, "the server refused the connection right after the handshake");
        }
        struct timeval normal = {timeout_seconds, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &normal, sizeof normal);
    }
    result->connected = result->error[0] == 0;
    snprintf(result->version, sizeof result->version, "%s", SSL_get_version(ssl));
    snprintf(result->cipher, sizeof result->cipher, "%s", SSL_get_cipher_name(ssl));
    const unsigned char *selected = NULL;
    unsigned selected_length = 0;
    SSL_get0_alpn_selected(ssl, &selected, &selected_length);
    if (selected_length) snprintf(result->alpn, sizeof result->alpn, "%.*s", (int)selected_length, selected);
    STACK_OF(X509_NAME) *names = SSL_get_client_CA_list(ssl);
    for (int index = 0; names && index < sk_X509_NAME_num(names); index++) {
        char line[256];
        X509_NAME_oneline(sk_X509_NAME_value(names, index), line, sizeof line);
        append(result->ca_names, sizeof result->ca_names, line);
    }
    result->asked_for_certificate = asked;
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
    for (int index = 0; chain && index < sk_X509_num(chain); index++) {
        char line[256];
        X509_NAME_oneline(X509_get_subject_name(sk_X509_value(chain, index)), line, sizeof line);
        append(result->chain, sizeof result->chain, line);
    }
    if (chain && sk_X509_num(chain) > 0) {
        verify_against(chain, name, cafile, &result->verify_lab, result->verify_lab_text, sizeof result->verify_lab_text);
        verify_against(chain, name, NULL, &result->verify_system, result->verify_system_text, sizeof result->verify_system_text);
    }
    if (result->connected && http_path) {
        char request[512], response[256] = "";
        snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", http_path, name);
        SSL_write(ssl, request, (int)strlen(request));
        int got = SSL_read(ssl, response, sizeof response - 1);
        if (got > 0) { response[got] = 0; sscanf(response, "HTTP/%*s %d", &result->http_status); }
        else openssl_error(result->error, sizeof result->error, "the server closed the connection instead of answering");
        if (got <= 0) result->connected = 0;
    }
    // Resumption: a second connection offering the first one's session.
    SSL_SESSION *session = SSL_get1_session(ssl);
    SSL_shutdown(ssl);
    SSL_free(ssl);
    close(fd);
    if (session && result->connected) {
        char ignored[256];
        int again = dial(host, port, timeout_seconds, ignored, sizeof ignored);
        if (again >= 0) {
            SSL *second = handshake(ctx, again, name, session, ignored, sizeof ignored);
            if (second) { result->resumed = SSL_session_reused(second); SSL_shutdown(second); SSL_free(second); }
            close(again);
        }
    }
    SSL_SESSION_free(session);
    SSL_CTX_free(ctx);
    ERR_clear_error();
}

typedef struct { int connack; int done; } mqtt_state;

static void on_connect(struct mosquitto *mosq, void *object, int rc) {
    (void)mosq;
    mqtt_state *state = object;
    state->connack = rc;
    state->done = 1;
}

static void on_disconnect(struct mosquitto *mosq, void *object, int rc) {
    (void)mosq; (void)rc;
    ((mqtt_state *)object)->done = 1;
}

int pkilab_mqtt_probe(const char *host, int port, const char *cafile, const char *certfile, const char *keyfile,
                      const char *client_id, int version5, int timeout_seconds, char *error, size_t error_size) {
    mosquitto_lib_init();
    mqtt_state state = {-1, 0};
    struct mosquitto *mosq = mosquitto_new(client_id, true, &state);
    if (!mosq) { snprintf(error, error_size, "mosquitto_new failed"); return -1; }
    if (version5) mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
    mosquitto_connect_callback_set(mosq, on_connect);
    mosquitto_disconnect_callback_set(mosq, on_disconnect);
    int rc = mosquitto_tls_set(mosq, cafile, NULL, certfile, keyfile, NULL);
    if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_connect(mosq, host, port, 30);
    if (rc != MOSQ_ERR_SUCCESS) {
        snprintf(error, error_size, "%s", rc == MOSQ_ERR_ERRNO ? "the connection failed (TLS or TCP)" : mosquitto_strerror(rc));
        mosquitto_destroy(mosq);
        return -1;
    }
    time_t deadline = time(NULL) + timeout_seconds;
    while (!state.done && time(NULL) < deadline) {
        rc = mosquitto_loop(mosq, 100, 1);
        if (rc != MOSQ_ERR_SUCCESS && !state.done) {
            snprintf(error, error_size, "the broker closed the connection without CONNACK (%s)", mosquitto_strerror(rc));
            break;
        }
    }
    if (state.connack < 0 && !error[0] && state.done) snprintf(error, error_size, "the broker closed the connection without CONNACK");
    if (state.connack > 0) snprintf(error, error_size, "%s", mosquitto_connack_string(state.connack));
    if (state.connack == 0) { mosquitto_disconnect(mosq); mosquitto_loop(mosq, 100, 1); }
    if (!state.done && !error[0]) snprintf(error, error_size, "no CONNACK within %d s", timeout_seconds);
    mosquitto_destroy(mosq);
    return state.connack;
}
