/*
 * mbedtls_client.c - mutual-TLS test client for pkilab on mbedTLS 2.28
 * (the TLS stack of ESP-IDF v4.x). TLS 1.2 only, as on those devices.
 *
 * Credentials are PEM files (--ca, --cert = leaf or fullchain, --key = PKCS#8,
 * SEC1 or PKCS#1). Built with -DLAB_HEADER='"lab_credentials.h"' (the header
 * `pkilab export --format c` writes), any of --ca/--cert/--key left out is
 * taken from that header's lab_*_pem arrays (or lab_*_der with --header-der),
 * the way firmware embeds them.
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

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#if MBEDTLS_VERSION_MAJOR != 2
#error "mbedtls_client.c is written for mbedTLS 2.x (2.28 LTS, as in ESP-IDF v4.x)"
#endif

#ifdef LAB_HEADER
#include LAB_HEADER
#endif

#define STACK "mbedtls"

/* --alpn: offered with mbedtls_ssl_conf_alpn_protocols, as ESP-IDF's esp-mqtt does with alpn_protos (AWS IoT on 443). */
#define HAVE_ALPN_OPTION
/* --max-frag N: mbedtls_ssl_conf_max_frag_len, for a device built with a small MBEDTLS_SSL_IN_CONTENT_LEN. */
#define HAVE_MAX_FRAG_OPTION
#include "client_common.h"

static const char *short_version(const char *v)
{
    if (!strncmp(v, "TLSv", 4)) return v + 4;
    return v;
}

static mbedtls_net_context net;
static mbedtls_ssl_context ssl;
static mbedtls_ssl_config conf;
static mbedtls_x509_crt cacert, clicert;
static mbedtls_pk_context pkey;
static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;

static void fail_mbed(const char *what, int ret, const char *extra)
{
    char err[200];
    mbedtls_strerror(ret, err, sizeof err);
    printf("fail %s %s: -0x%04x %s", STACK, what, (unsigned)-ret, err);
    if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && ssl.in_msg && ssl.in_msgtype == MBEDTLS_SSL_MSG_ALERT)
        printf(" (received alert %u %s)", ssl.in_msg[1], alert_name(ssl.in_msg[1]));
    if (extra) printf(" %s", extra);
    printf("\n");
}

static int tls_write_all(const uint8_t *p, size_t n)
{
    while (n > 0) {
        int r = mbedtls_ssl_write(&ssl, p, n);
        if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
        if (r < 0) { fail_mbed(io_label(0), r, NULL); return -1; }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static int tls_read_exact(uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        int r = mbedtls_ssl_read(&ssl, p + got, n - got);
        if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
        if (r == 0 || r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
            printf("fail %s %s: connection closed by the server after %zu of %zu bytes\n", STACK, io_label(1), got, n);
            return -1;
        }
        if (r < 0) { fail_mbed(io_label(1), r, NULL); return -1; }
        got += (size_t)r;
        g_got_app_data = 1;
    }
    return 0;
}

/* --expect-name: SNI stays --host, the certificate is also checked against this name. */
static int verify_expected_name(void *name, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    if (depth == 0) {
        uint32_t f = 0;
        /* crt->next is the rest of the chain the server sent */
        mbedtls_x509_crt_verify(crt, &cacert, NULL, (const char *)name, &f, NULL, NULL);
        *flags |= f & MBEDTLS_X509_BADCERT_CN_MISMATCH;
    }
    return 0;
}

#if defined(LAB_HEADER) && LAB_HAS_CHAIN
/* Parse concatenated DER certificates (lab_chain_der) one by one. */
static int parse_der_list(mbedtls_x509_crt *crt, const uint8_t *p, size_t n)
{
    while (n > 0) {
        size_t len, hdr;
        if (n < 2 || p[0] != 0x30) return MBEDTLS_ERR_X509_INVALID_FORMAT;
        if (p[1] < 0x80) { len = p[1]; hdr = 2; }
        else {
            size_t k = p[1] & 0x7f;
            if (k == 0 || k > 3 || n < 2 + k) return MBEDTLS_ERR_X509_INVALID_FORMAT;
            len = 0;
            for (size_t i = 0; i < k; i++) len = (len << 8) | p[2 + i];
            hdr = 2 + k;
        }
        if (hdr + len > n) return MBEDTLS_ERR_X509_INVALID_FORMAT;
        int ret = mbedtls_x509_crt_parse_der(crt, p, hdr + len);
        if (ret) return ret;
        p += hdr + len;
        n -= hdr + len;
    }
    return 0;
}
#endif

static int load_credentials(void)
{
    int ret;
    const char *src = o.header_der ? "LAB_HEADER (DER arrays)" : "LAB_HEADER (PEM arrays)";
    (void)src;

    if (o.ca) ret = mbedtls_x509_crt_parse_file(&cacert, o.ca);
#ifdef LAB_HEADER
    else if (o.header_der) ret = mbedtls_x509_crt_parse_der(&cacert, lab_ca_der, lab_ca_der_len);
    else ret = mbedtls_x509_crt_parse(&cacert, (const unsigned char *)lab_ca_pem, sizeof lab_ca_pem);
    if (!o.ca) fprintf(stderr, "note: CA from %s\n", src);
#else
    else ret = MBEDTLS_ERR_X509_BAD_INPUT_DATA;
#endif
    if (ret != 0) { fail_mbed("load-ca", ret, o.ca); return -1; }

    if (o.no_client_cert) return 0;

    if (o.cert) ret = mbedtls_x509_crt_parse_file(&clicert, o.cert);
#ifdef LAB_HEADER
    else if (o.header_der) {
        ret = mbedtls_x509_crt_parse_der(&clicert, lab_cert_der, lab_cert_der_len);
#if LAB_HAS_CHAIN
        if (ret == 0) ret = parse_der_list(&clicert, lab_chain_der, lab_chain_der_len);
#endif
    } else ret = mbedtls_x509_crt_parse(&clicert, (const unsigned char *)lab_cert_pem, sizeof lab_cert_pem);
    if (!o.cert) fprintf(stderr, "note: client certificate (and chain) from %s\n", src);
#else
    else ret = MBEDTLS_ERR_X509_BAD_INPUT_DATA;
#endif
    if (ret != 0) { fail_mbed("load-cert", ret, o.cert); return -1; }

    if (o.key) ret = mbedtls_pk_parse_keyfile(&pkey, o.key, NULL);
#ifdef LAB_HEADER
    else if (o.header_der) ret = mbedtls_pk_parse_key(&pkey, lab_key_der, lab_key_der_len, NULL, 0);
    else ret = mbedtls_pk_parse_key(&pkey, (const unsigned char *)lab_key_pem, sizeof lab_key_pem, NULL, 0);
    if (!o.key) fprintf(stderr, "note: private key from %s\n", src);
#else
    else ret = MBEDTLS_ERR_PK_BAD_INPUT_DATA;
#endif
    if (ret != 0) { fail_mbed("load-key", ret, o.key); return -1; }
    if ((ret = mbedtls_pk_check_pair(&clicert.pk, &pkey)) != 0) {
        fail_mbed("load-key", ret, "(the key does not go with the client certificate)");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int ret, status = 1;
    parse_args(argc, argv);
    signal(SIGPIPE, SIG_IGN);

    mbedtls_net_init(&net);
    mbedtls_ssl_init(&ssl);
    mbedtls_ssl_config_init(&conf);
    mbedtls_x509_crt_init(&cacert);
    mbedtls_x509_crt_init(&clicert);
    mbedtls_pk_init(&pkey);
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);

    if ((ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, (const unsigned char *)STACK, 7)) != 0) {
        fail_mbed("rng", ret, NULL);
        goto out;
    }
    if (load_credentials()) goto out;

    if ((ret = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                           MBEDTLS_SSL_PRESET_DEFAULT)) != 0) {
        fail_mbed("config", ret, NULL);
        goto out;
    }
    mbedtls_ssl_conf_min_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&conf, &cacert, NULL);
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    mbedtls_ssl_conf_read_timeout(&conf, IO_TIMEOUT_S * 1000);
    if (strcmp(o.expect_name, o.host) != 0)
        mbedtls_ssl_conf_verify(&conf, verify_expected_name, (void *)o.expect_name);
    if (!o.no_client_cert && (ret = mbedtls_ssl_conf_own_cert(&conf, &clicert, &pkey)) != 0) {
        fail_mbed("setup", ret, "(own certificate)");
        goto out;
    }
    if (o.max_frag) {
        unsigned char code = o.max_frag == 512 ? MBEDTLS_SSL_MAX_FRAG_LEN_512 : o.max_frag == 1024 ? MBEDTLS_SSL_MAX_FRAG_LEN_1024
                           : o.max_frag == 2048 ? MBEDTLS_SSL_MAX_FRAG_LEN_2048 : o.max_frag == 4096 ? MBEDTLS_SSL_MAX_FRAG_LEN_4096
                           : MBEDTLS_SSL_MAX_FRAG_LEN_NONE;
        if (code == MBEDTLS_SSL_MAX_FRAG_LEN_NONE) usage("--max-frag takes 512, 1024, 2048 or 4096");
        if ((ret = mbedtls_ssl_conf_max_frag_len(&conf, code)) != 0) { fail_mbed("setup", ret, "(max_frag_len)"); goto out; }
    }
    static const char *alpn[2];
    if (o.alpn) {
        alpn[0] = o.alpn;
        if ((ret = mbedtls_ssl_conf_alpn_protocols(&conf, alpn)) != 0) { fail_mbed("setup", ret, "(ALPN)"); goto out; }
    }
    if ((ret = mbedtls_ssl_setup(&ssl, &conf)) != 0) { fail_mbed("setup", ret, NULL); goto out; }
    if ((ret = mbedtls_ssl_set_hostname(&ssl, o.host)) != 0) { fail_mbed("setup", ret, NULL); goto out; }

    if ((net.fd = tcp_connect()) < 0) goto out;
    mbedtls_ssl_set_bio(&ssl, &net, mbedtls_net_send, NULL, mbedtls_net_recv_timeout);

    while ((ret = mbedtls_ssl_handshake(&ssl)) != 0) {
        if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
        if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
            uint32_t flags = mbedtls_ssl_get_verify_result(&ssl);
            char info[512], extra[600];
            mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
            for (char *c = info; *c; c++)
                if (*c == '\n') *c = (c[1] ? ';' : '\0');
            snprintf(extra, sizeof extra, "(verify flags 0x%08x:%s; name checked: %s)", (unsigned)flags, info,
                     o.expect_name);
            fail_mbed(flags & MBEDTLS_X509_BADCERT_CN_MISMATCH ? "server-name" : "server-cert", ret, extra);
        } else {
            fail_mbed("handshake", ret, NULL);
        }
        goto out;
    }
    g_tls13 = 0; /* mbedTLS 2.28 speaks TLS 1.2 at most */

    if (run_exchange() == 0) {
        const char *negotiated = mbedtls_ssl_get_alpn_protocol(&ssl);
        /* mfl: the record size the server agreed to (16384 when it did not answer max_fragment_length). */
        printf("ok %s %s tls=%s cipher=%s mfl=%zu%s%s\n", STACK, o.mode == MODE_ECHO ? "echo" : o.mode == MODE_HTTPS ? "https" : "mqtt",
               short_version(mbedtls_ssl_get_version(&ssl)), mbedtls_ssl_get_ciphersuite(&ssl),
               (size_t)mbedtls_ssl_get_input_max_frag_len(&ssl), negotiated ? " alpn=" : "", negotiated ? negotiated : "");
        status = 0;
    }
    mbedtls_ssl_close_notify(&ssl);

out:
    mbedtls_net_free(&net);
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
    mbedtls_x509_crt_free(&cacert);
    mbedtls_x509_crt_free(&clicert);
    mbedtls_pk_free(&pkey);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    return status;
}
