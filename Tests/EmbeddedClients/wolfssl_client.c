/*
 * wolfssl_client.c - mutual-TLS test client for pkilab on wolfSSL 5.5
 * (Debian's libwolfssl, built with TLS 1.3, SNI and the OpenSSL extra API).
 * Negotiates TLS 1.2 or 1.3: with 1.3 the server checks the client certificate
 * after the client's Finished, so a refusal shows on the first read.
 *
 * Credentials are PEM files like the mbedTLS client: --ca, --cert (leaf or
 * fullchain), --key (PKCS#8, SEC1 or PKCS#1).
 *
 * See README.md beside this file for the command line and exit codes.
 */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* options.h first: it carries the flags the library was built with */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/error-ssl.h>
#include <wolfssl/wolfio.h>

#define STACK "wolfssl"

#include "client_common.h"
static const char *short_version(const char *v)
{
    if (!strncmp(v, "TLSv", 4)) return v + 4;
    return v;
}

static WOLFSSL_CTX *ctx;
static WOLFSSL *ssl;
static int io_errno; /* errno of the last failed socket call (EAGAIN: the 10 s timeout) */

/*
 * Socket I/O callbacks. wolfSSL's own ones treat an expired SO_RCVTIMEO
 * (EAGAIN on a blocking socket) as "want read" and silently retry, so a silent
 * server would hang the handshake for ever; these make a timeout a hard error.
 */
static int io_recv(WOLFSSL *s, char *buf, int sz, void *c)
{
    (void)s;
    for (;;) {
        ssize_t r = recv(*(int *)c, buf, (size_t)sz, 0);
        if (r > 0) return (int)r;
        if (r == 0) return WOLFSSL_CBIO_ERR_CONN_CLOSE;
        if (errno == EINTR) continue;
        io_errno = errno;
        return errno == ECONNRESET ? WOLFSSL_CBIO_ERR_CONN_RST : WOLFSSL_CBIO_ERR_GENERAL;
    }
}

static int io_send(WOLFSSL *s, char *buf, int sz, void *c)
{
    (void)s;
    for (;;) {
        ssize_t r = send(*(int *)c, buf, (size_t)sz, MSG_NOSIGNAL);
        if (r >= 0) return (int)r;
        if (errno == EINTR) continue;
        io_errno = errno;
        return errno == EPIPE ? WOLFSSL_CBIO_ERR_CONN_CLOSE
             : errno == ECONNRESET ? WOLFSSL_CBIO_ERR_CONN_RST : WOLFSSL_CBIO_ERR_GENERAL;
    }
}

/* "fail wolfssl WHAT: -322 peer subject name mismatch (...)" */
static void fail_wolf(const char *what, int err, const char *extra)
{
    char text[WOLFSSL_MAX_ERROR_SZ];
    wolfSSL_ERR_error_string((unsigned long)err, text);
    printf("fail %s %s: %d %s", STACK, what, err, text);
    if (ssl) {
        WOLFSSL_ALERT_HISTORY h;
        if (wolfSSL_get_alert_history(ssl, &h) == WOLFSSL_SUCCESS && h.last_rx.code > 0)
            printf(" (received alert %d %s)", h.last_rx.code, alert_name(h.last_rx.code));
    }
    if (io_errno == EAGAIN || io_errno == EWOULDBLOCK) printf(" (timed out after %d s)", IO_TIMEOUT_S);
    else if (io_errno) printf(" (errno %d %s)", io_errno, strerror(io_errno));
    if (extra) printf(" %s", extra);
    printf("\n");
}

static int tls_write_all(const uint8_t *p, size_t n)
{
    while (n > 0) {
        int r = wolfSSL_write(ssl, p, (int)n);
        if (r <= 0) {
            fail_wolf(io_label(0), wolfSSL_get_error(ssl, r), NULL);
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static int tls_read_exact(uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        int r = wolfSSL_read(ssl, p + got, (int)(n - got));
        if (r <= 0) {
            int err = wolfSSL_get_error(ssl, r);
            if (err == WOLFSSL_ERROR_ZERO_RETURN || err == ZERO_RETURN || err == SOCKET_PEER_CLOSED_E)
                printf("fail %s %s: %d connection closed by the server after %zu of %zu bytes\n", STACK,
                       io_label(1), err, got, n);
            else
                fail_wolf(io_label(1), err, NULL);
            return -1;
        }
        got += (size_t)r;
        g_got_app_data = 1;
    }
    return 0;
}

/* wolfSSL_CTX_* file loaders return WOLFSSL_FAILURE (0) or a negative code */
static void fail_wolf_load(const char *what, int ret, const char *path)
{
    int err = ret < 0 ? ret : (int)wolfSSL_ERR_get_error();
    char extra[400];
    if (err > 0) err = -err; /* the error queue holds the code without its sign */
    snprintf(extra, sizeof extra, "(%s%s)", path,
             ret == WOLFSSL_BAD_FILE ? ": cannot read it" : err == 0 ? ": not valid PEM" : "");
    if (err == 0 && access(path, R_OK) != 0)
        printf("fail %s %s: %d WOLFSSL_FAILURE (%s: errno %d %s)\n", STACK, what, ret, path, errno, strerror(errno));
    else if (err == 0)
        printf("fail %s %s: %d WOLFSSL_FAILURE %s\n", STACK, what, ret, extra);
    else fail_wolf(what, err, extra);
}

int main(int argc, char **argv)
{
    int ret, fd = -1, status = 1;
    parse_args(argc, argv);
    signal(SIGPIPE, SIG_IGN);

    wolfSSL_Init();
    ctx = wolfSSL_CTX_new(wolfSSLv23_client_method()); /* highest common version: TLS 1.3 or 1.2 */
    if (!ctx) { printf("fail %s setup: wolfSSL_CTX_new failed\n", STACK); goto out; }
    if ((ret = wolfSSL_CTX_SetMinVersion(ctx, WOLFSSL_TLSV1_2)) != WOLFSSL_SUCCESS) {
        fail_wolf("setup", ret, NULL);
        goto out;
    }
    if ((ret = wolfSSL_CTX_load_verify_locations(ctx, o.ca, NULL)) != WOLFSSL_SUCCESS) {
        fail_wolf_load("load-ca", ret, o.ca);
        goto out;
    }
    wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, NULL);
    if (!o.no_client_cert) {
        if ((ret = wolfSSL_CTX_use_certificate_chain_file(ctx, o.cert)) != WOLFSSL_SUCCESS) {
            fail_wolf_load("load-cert", ret, o.cert);
            goto out;
        }
        if ((ret = wolfSSL_CTX_use_PrivateKey_file(ctx, o.key, WOLFSSL_FILETYPE_PEM)) != WOLFSSL_SUCCESS) {
            fail_wolf_load("load-key", ret, o.key);
            goto out;
        }
        if (wolfSSL_CTX_check_private_key(ctx) != WOLFSSL_SUCCESS) {
            printf("fail %s load-key: %s does not go with %s\n", STACK, o.key, o.cert);
            goto out;
        }
    }

    ssl = wolfSSL_new(ctx);
    if (!ssl) { printf("fail %s setup: wolfSSL_new failed\n", STACK); goto out; }
    if ((ret = wolfSSL_UseSNI(ssl, WOLFSSL_SNI_HOST_NAME, o.host, (unsigned short)strlen(o.host))) != WOLFSSL_SUCCESS) {
        fail_wolf("setup", ret, "(SNI)");
        goto out;
    }
    /* the name the server certificate must carry (CN or a DNS SAN) */
    if ((ret = wolfSSL_check_domain_name(ssl, o.expect_name)) != WOLFSSL_SUCCESS) {
        fail_wolf("setup", ret, "(check_domain_name)");
        goto out;
    }

    if ((fd = tcp_connect()) < 0) goto out;
    wolfSSL_set_fd(ssl, fd);
    wolfSSL_SSLSetIORecv(ssl, io_recv);
    wolfSSL_SSLSetIOSend(ssl, io_send);
    wolfSSL_SetIOReadCtx(ssl, &fd);
    wolfSSL_SetIOWriteCtx(ssl, &fd);

    ret = wolfSSL_connect(ssl);
    if (ret != WOLFSSL_SUCCESS) {
        int err = wolfSSL_get_error(ssl, ret);
        const char *what = "handshake";
        char extra[160] = "";
        long vr = wolfSSL_get_verify_result(ssl);
        if (err == DOMAIN_NAME_MISMATCH || err == IPADDR_MISMATCH) what = "server-name";
        else if (vr != 0 /* X509_V_OK */) what = "server-cert";
        if (vr != 0) {
            const char *vs = wolfSSL_X509_verify_cert_error_string(vr);
            if (!strncmp(vs, "unknown", 7)) vs = vr == 21 ? "unable to verify the first certificate" : "";
            snprintf(extra, sizeof extra, "(verify result %ld %s; name checked: %s)", vr, vs, o.expect_name);
        }
        else if (err == DOMAIN_NAME_MISMATCH)
            snprintf(extra, sizeof extra, "(name checked: %s)", o.expect_name);
        fail_wolf(what, err, extra[0] ? extra : NULL);
        goto out;
    }
    g_tls13 = wolfSSL_version(ssl) == TLS1_3_VERSION;

    if (run_exchange() == 0) {
        printf("ok %s %s tls=%s cipher=%s\n", STACK, o.mode == MODE_ECHO ? "echo" : o.mode == MODE_HTTPS ? "https" : "mqtt",
               short_version(wolfSSL_get_version(ssl)), wolfSSL_get_cipher_name(ssl));
        status = 0;
    }
    wolfSSL_shutdown(ssl);

out:
    if (ssl) wolfSSL_free(ssl);
    if (ctx) wolfSSL_CTX_free(ctx);
    if (fd >= 0) close(fd);
    wolfSSL_Cleanup();
    return status;
}
