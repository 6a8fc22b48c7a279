#ifndef CPKILAB_TLS_H
#define CPKILAB_TLS_H

#include <stddef.h>

// The server side of TLS over OpenSSL 3 memory BIOs (libssl-dev), for pkilab's OpenSSL engine. The Swift handler
// feeds ciphertext in, takes ciphertext out, and reads and writes plaintext; these functions hold no socket.

typedef struct pkilab_tls_server pkilab_tls_server;
typedef struct pkilab_tls_conn pkilab_tls_conn;

// Judges the chain a client sent (DER, leaf first); returns 0 (X509_V_OK) to accept it, or the X509_V_ERR code
// OpenSSL's own verification would have set, which picks the alert the client gets (ssl_x509err2alert).
typedef int (*pkilab_tls_verify_fn)(void *connection_context, const unsigned char *const *ders, const size_t *lengths, size_t count);
// Whether a session made with this client certificate may be resumed: 1 yes, 0 no (a full handshake follows).
typedef int (*pkilab_tls_resume_fn)(void *server_context, const unsigned char *der, size_t length);

enum { PKILAB_TLS_AUTH_NONE = 0, PKILAB_TLS_AUTH_OPTIONAL = 1, PKILAB_TLS_AUTH_REQUIRE = 2 };

// Versions are 0x0301 (TLS 1.0) … 0x0304 (TLS 1.3). cipher_list may be NULL (OpenSSL's default). alpn is the
// wire form (length-prefixed names), server preference first; a client offering none of them goes on without
// ALPN. On failure returns NULL and writes OpenSSL's words into error.
pkilab_tls_server *pkilab_tls_server_new(const char *chain_file, const char *key_file, int min_version, int max_version,
                                         const char *cipher_list, const unsigned char *alpn, size_t alpn_length, int client_auth,
                                         int session_resumption, char *error, size_t error_size);
int pkilab_tls_server_add_client_ca(pkilab_tls_server *server, const unsigned char *der, size_t length);
void pkilab_tls_server_set_callbacks(pkilab_tls_server *server, pkilab_tls_verify_fn verify, pkilab_tls_resume_fn resume,
                                     void *server_context);
void pkilab_tls_server_free(pkilab_tls_server *server);

pkilab_tls_conn *pkilab_tls_conn_new(pkilab_tls_server *server, void *connection_context);
void pkilab_tls_conn_free(pkilab_tls_conn *conn);

// Ciphertext from the client. Returns 0, or -1 when it could not be buffered.
int pkilab_tls_conn_feed(pkilab_tls_conn *conn, const void *bytes, size_t length);
// Ciphertext for the client: how much is waiting, and take up to capacity of it.
size_t pkilab_tls_conn_pending_output(pkilab_tls_conn *conn);
size_t pkilab_tls_conn_take_output(pkilab_tls_conn *conn, void *buffer, size_t capacity);

// 1: the handshake is complete; 0: it needs more input; -1: it failed (see pkilab_tls_conn_errors).
int pkilab_tls_conn_handshake(pkilab_tls_conn *conn);
// > 0: plaintext bytes read; 0: needs more input; -2: the client sent close_notify; -1: error.
int pkilab_tls_conn_read(pkilab_tls_conn *conn, void *buffer, size_t capacity);
// Bytes written (all of them: a memory BIO never blocks), or -1.
int pkilab_tls_conn_write(pkilab_tls_conn *conn, const void *bytes, size_t length);
// Sends close_notify (once).
void pkilab_tls_conn_shutdown(pkilab_tls_conn *conn);

// After the handshake.
const char *pkilab_tls_conn_version(pkilab_tls_conn *conn);
size_t pkilab_tls_conn_alpn(pkilab_tls_conn *conn, char *out, size_t capacity);
// The client's leaf certificate as DER: its length (0: none); copied when it fits in capacity.
size_t pkilab_tls_conn_peer_certificate(pkilab_tls_conn *conn, unsigned char *out, size_t capacity);

// What went wrong: the fatal alert this side sent and the one the client sent (-1: none), SSL_get_verify_result,
// and OpenSSL's queued errors, drained, one per line as "REASON_NAME\terror:…" (the reason upper-cased, spaces as
// underscores).
int pkilab_tls_conn_alert_sent(pkilab_tls_conn *conn);
int pkilab_tls_conn_alert_received(pkilab_tls_conn *conn);
long pkilab_tls_conn_verify_result(pkilab_tls_conn *conn);
size_t pkilab_tls_conn_errors(pkilab_tls_conn *conn, char *out, size_t capacity);

#endif
