#include "CPKILabTLS.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

struct pkilab_tls_server {
    SSL_CTX *ctx;
    unsigned char *alpn;
    size_t alpn_length;
    pkilab_tls_verify_fn verify;
    pkilab_tls_resume_fn resume;
    void *server_context;
};

struct pkilab_tls_conn {
    SSL *ssl;
    BIO *rbio;
    BIO *wbio;
    pkilab_tls_server *server;
    void *connection_context;
    int alert_sent;
    int alert_received;
    int shut;
    char errors[1024];
    size_t errors_length;
};

static int connection_index = -1;
static pthread_once_t connection_index_once = PTHREAD_ONCE_INIT;

static void make_connection_index(void) {
    connection_index = SSL_get_ex_new_index(0, "pkilab", NULL, NULL, NULL);
}

/// Drains OpenSSL's error queue into conn->errors ("REASON\terror:…\n" per entry).
static void collect_errors(pkilab_tls_conn *conn) {
    unsigned long code;
    while ((code = ERR_get_error()) != 0) {
        char line[300], name[128];
        const char *reason = ERR_reason_error_string(code);
        size_t n = 0;
        for (const char *p = reason ? reason : "UNKNOWN"; *p && n + 1 < sizeof name; p++) {
            name[n++] = *p == ' ' ? '_' : (char)toupper((unsigned char)*p);
        }
        name[n] = 0;
        char text[200];
        ERR_error_string_n(code, text, sizeof text);
        int length = snprintf(line, sizeof line, "%s\t%s\n", name, text);
        if (length > 0 && conn->errors_length + (size_t)length < sizeof conn->errors) {
            memcpy(conn->errors + conn->errors_length, line, (size_t)length);
            conn->errors_length += (size_t)length;
        }
    }
}

static void info_callback(const SSL *ssl, int where, int ret) {
    pkilab_tls_conn *conn = SSL_get_ex_data(ssl, connection_index);
    if (!conn || !(where & SSL_CB_ALERT)) return;
    // ret: alert level << 8 | description; only fatal ones (level 2) tell why a connection ended.
    if ((ret >> 8) != SSL3_AL_FATAL) return;
    if (where & SSL_CB_WRITE) conn->alert_sent = ret & 0xff;
    else conn->alert_received = ret & 0xff;
}

/// Replaces OpenSSL's chain verification with pkilab's: the chain as the client sent it goes to the Swift side,
/// whose answer (an X509_V_ERR code) becomes the verify result and so the alert.
static int verify_callback(X509_STORE_CTX *store, void *arg) {
    pkilab_tls_server *server = arg;
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    pkilab_tls_conn *conn = ssl ? SSL_get_ex_data(ssl, connection_index) : NULL;
    if (!conn || !server->verify) {
        X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
        return 0;
    }
    STACK_OF(X509) *sent = X509_STORE_CTX_get0_untrusted(store);
    int count = sent ? sk_X509_num(sent) : 0;
    if (count <= 0) {
        X509 *leaf = X509_STORE_CTX_get0_cert(store);
        if (!leaf) {
            X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
            return 0;
        }
        count = 1;
    }
    unsigned char **ders = calloc((size_t)count, sizeof *ders);
    size_t *lengths = calloc((size_t)count, sizeof *lengths);
    int result = X509_V_ERR_OUT_OF_MEM;
    if (ders && lengths) {
        int ok = 1;
        for (int i = 0; i < count && ok; i++) {
            X509 *certificate = sent && sk_X509_num(sent) > 0 ? sk_X509_value(sent, i) : X509_STORE_CTX_get0_cert(store);
            int length = i2d_X509(certificate, &ders[i]);
            if (length <= 0) ok = 0; else lengths[i] = (size_t)length;
        }
        if (ok) result = server->verify(conn->connection_context, (const unsigned char *const *)ders, lengths, (size_t)count);
    }
    for (int i = 0; ders && i < count; i++) OPENSSL_free(ders[i]);
    free(ders);
    free(lengths);
    if (result == X509_V_OK) return 1;
    X509_STORE_CTX_set_error(store, result);
    return 0;
}

static SSL_TICKET_RETURN ticket_callback(SSL *ssl, SSL_SESSION *session, const unsigned char *name, size_t name_length,
                                         SSL_TICKET_STATUS status, void *arg) {
    (void)ssl; (void)name; (void)name_length;
    pkilab_tls_server *server = arg;
    switch (status) {
    case SSL_TICKET_FATAL_ERR_MALLOC:
    case SSL_TICKET_FATAL_ERR_OTHER:
        return SSL_TICKET_RETURN_ABORT;
    case SSL_TICKET_NONE:
    case SSL_TICKET_EMPTY:
    case SSL_TICKET_NO_DECRYPT:
        return SSL_TICKET_RETURN_IGNORE_RENEW;
    default:
        break;
    }
    if (server->resume) {
        X509 *peer = SSL_SESSION_get0_peer(session);
        if (peer) {
            unsigned char *der = NULL;
            int length = i2d_X509(peer, &der);
            int resume = length > 0 ? server->resume(server->server_context, der, (size_t)length) : 0;
            OPENSSL_free(der);
            if (!resume) return SSL_TICKET_RETURN_IGNORE_RENEW;
        }
    }
    return status == SSL_TICKET_SUCCESS_RENEW ? SSL_TICKET_RETURN_USE_RENEW : SSL_TICKET_RETURN_USE;
}

static int alpn_callback(SSL *ssl, const unsigned char **out, unsigned char *out_length, const unsigned char *in,
                         unsigned int in_length, void *arg) {
    (void)ssl;
    pkilab_tls_server *server = arg;
    unsigned char *selected = NULL;
    unsigned char selected_length = 0;
    if (server->alpn_length == 0) return SSL_TLSEXT_ERR_NOACK;
    if (SSL_select_next_proto(&selected, &selected_length, server->alpn, (unsigned int)server->alpn_length, in, in_length)
        != OPENSSL_NPN_NEGOTIATED) {
        return SSL_TLSEXT_ERR_NOACK;
    }
    *out = selected;
    *out_length = selected_length;
    return SSL_TLSEXT_ERR_OK;
}

static void server_error(char *error, size_t size, const char *what, const char *file) {
    char text[256] = "";
    unsigned long code = ERR_peek_last_error();
    if (code) ERR_error_string_n(code, text, sizeof text);
    ERR_clear_error();
    snprintf(error, size, "%s%s%s%s: %s", what, file ? " \"" : "", file ? file : "", file ? "\"" : "", code ? text : "no detail");
}

pkilab_tls_server *pkilab_tls_server_new(const char *chain_file, const char *key_file, int min_version, int max_version,
                                         const char *cipher_list, const unsigned char *alpn, size_t alpn_length, int client_auth,
                                         int session_resumption, char *error, size_t error_size) {
    pthread_once(&connection_index_once, make_connection_index);
    pkilab_tls_server *server = calloc(1, sizeof *server);
    if (!server) return NULL;
    server->ctx = SSL_CTX_new(TLS_server_method());
    if (!server->ctx) { server_error(error, error_size, "SSL_CTX_new", NULL); free(server); return NULL; }
    SSL_CTX *ctx = server->ctx;
    const char *failed = NULL, *file = NULL;
    if (!SSL_CTX_set_min_proto_version(ctx, min_version) || !SSL_CTX_set_max_proto_version(ctx, max_version)) failed = "the TLS versions";
    else if (cipher_list && !SSL_CTX_set_cipher_list(ctx, cipher_list)) { failed = "the cipher list"; file = cipher_list; }
    else if (SSL_CTX_use_certificate_chain_file(ctx, chain_file) != 1) { failed = "the certificate chain"; file = chain_file; }
    else if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) { failed = "the private key"; file = key_file; }
    else if (SSL_CTX_check_private_key(ctx) != 1) { failed = "the key against the certificate"; file = key_file; }
    if (failed) {
        server_error(error, error_size, failed, file);
        SSL_CTX_free(ctx);
        free(server);
        return NULL;
    }
    // Buffers go back to the allocator while a connection is idle; records are written whole.
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_info_callback(ctx, info_callback);
    SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"pkilab", 6);
    // Sessions resume by ticket only (a server-side cache would resume by session ID without asking
    // ticket_callback), or not at all.
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    if (session_resumption) {
        SSL_CTX_set_session_ticket_cb(ctx, NULL, ticket_callback, server);
    } else {
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
        SSL_CTX_set_num_tickets(ctx, 0);
    }
    if (alpn_length > 0) {
        server->alpn = malloc(alpn_length);
        if (server->alpn) { memcpy(server->alpn, alpn, alpn_length); server->alpn_length = alpn_length; }
    }
    SSL_CTX_set_alpn_select_cb(ctx, alpn_callback, server);
    int mode = SSL_VERIFY_NONE;
    if (client_auth == PKILAB_TLS_AUTH_OPTIONAL) mode = SSL_VERIFY_PEER;
    if (client_auth == PKILAB_TLS_AUTH_REQUIRE) mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(ctx, mode, NULL);
    SSL_CTX_set_cert_verify_callback(ctx, verify_callback, server);
    return server;
}

int pkilab_tls_server_add_client_ca(pkilab_tls_server *server, const unsigned char *der, size_t length) {
    const unsigned char *p = der;
    X509 *certificate = d2i_X509(NULL, &p, (long)length);
    if (!certificate) { ERR_clear_error(); return -1; }
    int ok = SSL_CTX_add_client_CA(server->ctx, certificate);
    X509_free(certificate);
    ERR_clear_error();
    return ok == 1 ? 0 : -1;
}

void pkilab_tls_server_set_callbacks(pkilab_tls_server *server, pkilab_tls_verify_fn verify, pkilab_tls_resume_fn resume,
                                     void *server_context) {
    server->verify = verify;
    server->resume = resume;
    server->server_context = server_context;
}

void pkilab_tls_server_free(pkilab_tls_server *server) {
    if (!server) return;
    SSL_CTX_free(server->ctx);
    free(server->alpn);
    free(server);
}

pkilab_tls_conn *pkilab_tls_conn_new(pkilab_tls_server *server, void *connection_context) {
    pkilab_tls_conn *conn = calloc(1, sizeof *conn);
    if (!conn) return NULL;
    conn->ssl = SSL_new(server->ctx);
    conn->rbio = BIO_new(BIO_s_mem());
    conn->wbio = BIO_new(BIO_s_mem());
    if (!conn->ssl || !conn->rbio || !conn->wbio) {
        SSL_free(conn->ssl);
        BIO_free(conn->rbio);
        BIO_free(conn->wbio);
        free(conn);
        ERR_clear_error();
        return NULL;
    }
    // An empty read BIO means "wait for more", not end of file.
    BIO_set_mem_eof_return(conn->rbio, -1);
    SSL_set_bio(conn->ssl, conn->rbio, conn->wbio);
    SSL_set_accept_state(conn->ssl);
    SSL_set_ex_data(conn->ssl, connection_index, conn);
    conn->server = server;
    conn->connection_context = connection_context;
    conn->alert_sent = -1;
    conn->alert_received = -1;
    return conn;
}

void pkilab_tls_conn_free(pkilab_tls_conn *conn) {
    if (!conn) return;
    SSL_free(conn->ssl);   // frees both BIOs
    free(conn);
}

int pkilab_tls_conn_feed(pkilab_tls_conn *conn, const void *bytes, size_t length) {
    while (length > 0) {
        int chunk = length > 0x40000000 ? 0x40000000 : (int)length;
        int written = BIO_write(conn->rbio, bytes, chunk);
        if (written <= 0) return -1;
        bytes = (const char *)bytes + written;
        length -= (size_t)written;
    }
    return 0;
}

size_t pkilab_tls_conn_pending_output(pkilab_tls_conn *conn) {
    return BIO_ctrl_pending(conn->wbio);
}

size_t pkilab_tls_conn_take_output(pkilab_tls_conn *conn, void *buffer, size_t capacity) {
    int chunk = capacity > 0x40000000 ? 0x40000000 : (int)capacity;
    int read = BIO_read(conn->wbio, buffer, chunk);
    return read > 0 ? (size_t)read : 0;
}

int pkilab_tls_conn_handshake(pkilab_tls_conn *conn) {
    int result = SSL_do_handshake(conn->ssl);
    if (result == 1) return 1;
    int error = SSL_get_error(conn->ssl, result);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return 0;
    collect_errors(conn);
    return -1;
}

int pkilab_tls_conn_read(pkilab_tls_conn *conn, void *buffer, size_t capacity) {
    int chunk = capacity > 0x40000000 ? 0x40000000 : (int)capacity;
    int result = SSL_read(conn->ssl, buffer, chunk);
    if (result > 0) return result;
    int error = SSL_get_error(conn->ssl, result);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return 0;
    if (error == SSL_ERROR_ZERO_RETURN) return -2;
    collect_errors(conn);
    return -1;
}

int pkilab_tls_conn_write(pkilab_tls_conn *conn, const void *bytes, size_t length) {
    size_t done = 0;
    while (done < length) {
        size_t left = length - done;
        int chunk = left > 0x40000000 ? 0x40000000 : (int)left;
        int result = SSL_write(conn->ssl, (const char *)bytes + done, chunk);
        if (result <= 0) {
            collect_errors(conn);
            return -1;
        }
        done += (size_t)result;
    }
    return (int)done;
}

void pkilab_tls_conn_shutdown(pkilab_tls_conn *conn) {
    if (conn->shut) return;
    conn->shut = 1;
    // Only once the handshake is done: before it there is nothing to close cleanly.
    if (SSL_is_init_finished(conn->ssl)) SSL_shutdown(conn->ssl);
    ERR_clear_error();
}

const char *pkilab_tls_conn_version(pkilab_tls_conn *conn) { return SSL_get_version(conn->ssl); }

size_t pkilab_tls_conn_alpn(pkilab_tls_conn *conn, char *out, size_t capacity) {
    const unsigned char *data = NULL;
    unsigned int length = 0;
    SSL_get0_alpn_selected(conn->ssl, &data, &length);
    if (!data || length == 0 || length >= capacity) return 0;
    memcpy(out, data, length);
    out[length] = 0;
    return length;
}

size_t pkilab_tls_conn_peer_certificate(pkilab_tls_conn *conn, unsigned char *out, size_t capacity) {
    X509 *peer = SSL_get0_peer_certificate(conn->ssl);
    if (!peer) return 0;
    int length = i2d_X509(peer, NULL);
    if (length <= 0) return 0;
    if ((size_t)length <= capacity && out) {
        unsigned char *p = out;
        i2d_X509(peer, &p);
    }
    return (size_t)length;
}

int pkilab_tls_conn_alert_sent(pkilab_tls_conn *conn) { return conn->alert_sent; }
int pkilab_tls_conn_alert_received(pkilab_tls_conn *conn) { return conn->alert_received; }
long pkilab_tls_conn_verify_result(pkilab_tls_conn *conn) { return SSL_get_verify_result(conn->ssl); }

size_t pkilab_tls_conn_errors(pkilab_tls_conn *conn, char *out, size_t capacity) {
    collect_errors(conn);
    size_t length = conn->errors_length < capacity ? conn->errors_length : (capacity ? capacity - 1 : 0);
    if (capacity) {
        memcpy(out, conn->errors, length);
        out[length] = 0;
    }
    conn->errors_length = 0;
    return length;
}
