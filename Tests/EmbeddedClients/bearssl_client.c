/*
 * bearssl_client.c - mutual-TLS test client for pkilab on BearSSL 0.6
 * (the TLS stack of the ESP8266 Arduino core). TLS 1.2 only: BearSSL has no 1.3.
 *
 * Credentials are DER files, as ESP8266 sketches embed them: --ca ca.der (the
 * trust anchor, decoded with br_x509_decoder), --cert cert.der (the leaf),
 * optional --chain intermediate.der (appended to the chain sent; may repeat or
 * hold several concatenated certificates), --key private.der (SEC1 for EC,
 * PKCS#1 for RSA; br_skey_decoder). Uses br_x509_minimal with the current time
 * and br_ssl_client_init_full, like BearSSL::WiFiClientSecure.
 *
 * See README.md beside this file for the command line and exit codes.
 *
 * Built with -DLAB_BEARSSL_EXPORT -I DIR (DIR = a `pkilab export NAME --format bearssl`
 * folder), it takes every credential from the exported headers instead: the trust
 * anchors TAs/TAs_NUM (trust_anchors.h), the chain CHAIN/CHAIN_LEN and the key
 * EC_PRI or RSA (client_credentials.h), as an ESP8266 sketch would; --ca, --cert and
 * --key are then not used.
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
#include <time.h>
#include <unistd.h>

#include <bearssl.h>

#ifdef LAB_BEARSSL_EXPORT
#include "trust_anchors.h"
#include "client_credentials.h"
#ifndef LAB_HEADER
#define LAB_HEADER "client_credentials.h" /* client_common.h: the credentials are compiled in */
#endif
#endif

#define STACK "bearssl"
#define HAVE_CHAIN_OPTION 1
#define HAVE_BUFFERS_OPTION 1

#include "client_common.h"

static unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
/* --buffers N, as the ESP8266 core's setBufferSizes(N, N): N plus BearSSL's record overhead each way. */
static unsigned char ibuf[BR_SSL_BUFSIZE_INPUT], obuf[BR_SSL_BUFSIZE_OUTPUT];
static br_ssl_client_context cc;
static br_x509_minimal_context xc;
static br_sslio_context ioc;
#ifndef LAB_BEARSSL_EXPORT
static br_skey_decoder_context skdc; /* the decoded key points into it: keep it alive */
static br_x509_trust_anchor anchor;
static br_x509_certificate chain[9];
static size_t chain_len;
#endif
static int sock_fd = -1;
static int last_errno;

#include "bearssl_common.h"


#define CS(x) { BR_##x, #x }
static const struct { unsigned id; const char *name; } suites[] = {
    CS(TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256), CS(TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384),
    CS(TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), CS(TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384),
    CS(TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256), CS(TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256),
    CS(TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256), CS(TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384),
    CS(TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256), CS(TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384),
    CS(TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA), CS(TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA),
    CS(TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA), CS(TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA),
    CS(TLS_ECDHE_ECDSA_WITH_AES_128_CCM), CS(TLS_ECDHE_ECDSA_WITH_AES_256_CCM),
    CS(TLS_RSA_WITH_AES_128_GCM_SHA256), CS(TLS_RSA_WITH_AES_256_GCM_SHA384),
    CS(TLS_RSA_WITH_AES_128_CBC_SHA256), CS(TLS_RSA_WITH_AES_256_CBC_SHA256),
    CS(TLS_RSA_WITH_AES_128_CBC_SHA), CS(TLS_RSA_WITH_AES_256_CBC_SHA),
    CS(TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256), CS(TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256),
};

static void fail_br(const char *what, int err)
{
    char t[160];
    printf("fail %s %s: %s\n", STACK, what, br_error_text(err, t, sizeof t));
}

#ifndef LAB_BEARSSL_EXPORT
static void fail_load(const char *what, int err, const char *path, const unsigned char *d, size_t n)
{
    char t[160];
    printf("fail %s %s: %s (%s%s)\n", STACK, what, br_error_text(err, t, sizeof t), path,
           is_pem(d, n) ? ": this is PEM; BearSSL wants DER: openssl x509/ec/rsa -outform DER" : "");
}
#endif

static int tls_write_all(const uint8_t *p, size_t n)
{
    if (br_sslio_write_all(&ioc, p, n) < 0 || br_sslio_flush(&ioc) < 0) {
        int err = br_ssl_engine_last_error(&cc.eng);
        if (err == BR_ERR_OK)
            printf("fail %s %s: connection closed by the server\n", STACK, io_label(0));
        else
            fail_br(io_label(0), err);
        return -1;
    }
    return 0;
}

static int tls_read_exact(uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        int r = br_sslio_read(&ioc, p + got, n - got);
        if (r < 0) {
            int err = br_ssl_engine_last_error(&cc.eng);
            if (err == BR_ERR_OK)
                printf("fail %s %s: connection closed by the server after %zu of %zu bytes\n", STACK, io_label(1),
                       got, n);
            else
                fail_br(io_label(1), err);
            return -1;
        }
        got += (size_t)r;
        g_got_app_data = 1;
    }
    return 0;
}

#ifndef LAB_BEARSSL_EXPORT
static int read_file(const char *path, unsigned char **data, size_t *len)
{
    if (read_whole_file(path, data, len) == 0) return 0;
    printf("fail %s load: %s: errno %d %s\n", STACK, path, errno, strerror(errno));
    return -1;
}

/* Append the certificates of a DER file (one, or several concatenated) to chain[]. */
static int add_certs(const char *what, const char *path)
{
    const unsigned char *bad = NULL;
    size_t bad_len = 0;
    switch (append_der_certs(path, chain, &chain_len, sizeof chain / sizeof chain[0], &bad, &bad_len)) {
    case 0: return 0;
    case 1:
        printf("fail %s %s: %s is not a DER certificate%s\n", STACK, what, path,
               is_pem(bad, bad_len) ? " (this is PEM: openssl x509 -outform DER)" : "");
        return -1;
    case 2:
        printf("fail %s %s: too many certificates\n", STACK, what);
        return -1;
    default:
        printf("fail %s load: %s: errno %d %s\n", STACK, path, errno, strerror(errno));
        return -1;
    }
}

/* The trust anchor from the CA certificate (DER), as brssl ta / the ESP8266 cert tool make it. */
static int load_anchor(const char *path)
{
    unsigned char *d;
    size_t n;
    if (read_file(path, &d, &n)) return -1;
    int err = anchor_from_der(d, n, &anchor);
    if (err) {
        fail_load("load-ca", err, path, d, n);
        return -1;
    }
    return 0;
}

#endif

/*
 * --expect-name: BearSSL checks the server certificate against the name given to
 * br_ssl_client_reset (which is also the SNI). This X.509 engine wrapper hands the
 * minimal engine a different name, so the SNI stays --host.
 */
typedef struct {
    const br_x509_class *vtable;
    const br_x509_class **inner;
    const char *name;
} name_override;

static void no_start_chain(const br_x509_class **ctx, const char *server_name)
{
    name_override *w = (name_override *)(void *)ctx;
    (void)server_name;
    (*w->inner)->start_chain(w->inner, w->name);
}
static void no_start_cert(const br_x509_class **ctx, uint32_t length)
{
    name_override *w = (name_override *)(void *)ctx;
    (*w->inner)->start_cert(w->inner, length);
}
static void no_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
    name_override *w = (name_override *)(void *)ctx;
    (*w->inner)->append(w->inner, buf, len);
}
static void no_end_cert(const br_x509_class **ctx)
{
    name_override *w = (name_override *)(void *)ctx;
    (*w->inner)->end_cert(w->inner);
}
static unsigned no_end_chain(const br_x509_class **ctx)
{
    name_override *w = (name_override *)(void *)ctx;
    return (*w->inner)->end_chain(w->inner);
}
static const br_x509_pkey *no_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
    const name_override *w = (const name_override *)(const void *)ctx;
    return (*w->inner)->get_pkey(w->inner, usages);
}
static const br_x509_class name_override_vtable = {
    sizeof(name_override), no_start_chain, no_start_cert, no_append, no_end_cert, no_end_chain, no_get_pkey,
};
static name_override override;

static const char *suite_name(unsigned id)
{
    static char buf[16];
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
        if (suites[i].id == id) return suites[i].name;
    snprintf(buf, sizeof buf, "0x%04X", id);
    return buf;
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    signal(SIGPIPE, SIG_IGN);

#ifdef LAB_BEARSSL_EXPORT
    br_ssl_client_init_full(&cc, &xc, TAs, TAs_NUM);
#else
    if (load_anchor(o.ca)) return 1;
    br_ssl_client_init_full(&cc, &xc, &anchor, 1);
#endif
    br_ssl_engine_set_versions(&cc.eng, BR_TLS12, BR_TLS12);
    if (o.buffers)
        /* A receive buffer below 16 KB makes BearSSL ask for max_fragment_length in its ClientHello. */
        br_ssl_engine_set_buffers_bidi(&cc.eng, ibuf, (size_t)o.buffers + 325 < sizeof ibuf ? (size_t)o.buffers + 325 : sizeof ibuf,
                                       obuf, (size_t)o.buffers + 85 < sizeof obuf ? (size_t)o.buffers + 85 : sizeof obuf);
    else
        br_ssl_engine_set_buffer(&cc.eng, iobuf, sizeof iobuf, 1);

    /* BearSSL checks validity dates against a clock the application gives it:
       days since 1 January of year 0 (proleptic Gregorian) and seconds in the day. */
    time_t now = time(NULL);
    br_x509_minimal_set_time(&xc, (uint32_t)(now / 86400) + 719528u, (uint32_t)(now % 86400));

    if (!o.no_client_cert) {
#ifdef LAB_BEARSSL_EXPORT
#ifdef LAB_CLIENT_KEY_EC
        br_ssl_client_set_single_ec(&cc, CHAIN, CHAIN_LEN, &EC_PRI, BR_KEYTYPE_SIGN, LAB_CLIENT_ISSUER_KEY_TYPE,
                                    br_ec_get_default(), br_ecdsa_sign_asn1_get_default());
#else
        br_ssl_client_set_single_rsa(&cc, CHAIN, CHAIN_LEN, &RSA, br_rsa_pkcs1_sign_get_default());
#endif
#else
        unsigned char *kd;
        size_t kn;
        if (add_certs("load-cert", o.cert)) return 1;
        for (int i = 0; i < o.n_chain; i++)
            if (add_certs("load-chain", o.chain[i])) return 1;
        if (read_file(o.key, &kd, &kn)) return 1;
        br_skey_decoder_init(&skdc);
        br_skey_decoder_push(&skdc, kd, kn);
        int err = br_skey_decoder_last_error(&skdc);
        switch (err ? 0 : br_skey_decoder_key_type(&skdc)) {
        case BR_KEYTYPE_EC:
            br_ssl_client_set_single_ec(&cc, chain, chain_len, br_skey_decoder_get_ec(&skdc), BR_KEYTYPE_SIGN,
                                        0 /* issuer key type: only for static ECDH (KEYX) */, br_ec_get_default(),
                                        br_ecdsa_sign_asn1_get_default());
            break;
        case BR_KEYTYPE_RSA:
            br_ssl_client_set_single_rsa(&cc, chain, chain_len, br_skey_decoder_get_rsa(&skdc),
                                         br_rsa_pkcs1_sign_get_default());
            break;
        default:
            fail_load("load-key", err ? err : BR_ERR_BAD_PARAM, o.key, kd, kn);
            return 1;
        }
#endif
    }

    if (!br_ssl_client_reset(&cc, o.host, 0)) {
        fail_br("setup", br_ssl_engine_last_error(&cc.eng));
        return 1;
    }
    if (strcmp(o.expect_name, o.host) != 0) {
        override.vtable = &name_override_vtable;
        override.inner = &xc.vtable;
        override.name = o.expect_name;
        br_ssl_engine_set_x509(&cc.eng, &override.vtable);
    }

    if ((sock_fd = tcp_connect()) < 0) return 1;
    br_sslio_init(&ioc, &cc.eng, sock_read, &sock_fd, sock_write, &sock_fd);

    /* Run the handshake to completion: flushing with nothing to send returns
       once application data can be sent. */
    if (br_sslio_flush(&ioc) < 0 || br_ssl_engine_current_state(&cc.eng) == BR_SSL_CLOSED) {
        int err = br_ssl_engine_last_error(&cc.eng);
        const char *what = "handshake";
        if (err == BR_ERR_X509_BAD_SERVER_NAME) what = "server-name";
        else if (err >= BR_ERR_X509_OK && err <= BR_ERR_X509_NOT_TRUSTED) what = "server-cert";
        if (err == BR_ERR_OK)
            printf("fail %s handshake: connection closed by the server during the handshake\n", STACK);
        else
            fail_br(what, err);
        close(sock_fd);
        return 1;
    }
    g_tls13 = 0;

    int status = 1;
    if (run_exchange() == 0) {
        br_ssl_session_parameters sp;
        char ver[8];
        br_ssl_engine_get_session_parameters(&cc.eng, &sp);
        snprintf(ver, sizeof ver, "1.%u", (unsigned)(br_ssl_engine_get_version(&cc.eng) - 0x0301));
        printf("ok %s %s tls=%s cipher=%s\n", STACK, o.mode == MODE_ECHO ? "echo" : o.mode == MODE_HTTPS ? "https" : "mqtt", ver,
               suite_name(sp.cipher_suite));
        status = 0;
    }
    br_sslio_close(&ioc);
    close(sock_fd);
    return status;
}
