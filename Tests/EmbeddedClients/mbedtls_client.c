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

/* ======== common part: identical in the three clients ==================== */

#define IO_TIMEOUT_S 10

enum { MODE_ECHO = 1, MODE_MQTT = 2 };

struct options {
    const char *host, *expect_name, *ca, *cert, *key, *client_id, *topic;
    const char *chain[8];
    int n_chain, port, mode, no_client_cert, header_der;
};

static struct options o;
static int g_tls13;        /* the session negotiated TLS 1.3 */
static int g_got_app_data; /* some application data has been read */

static void usage(const char *msg)
{
    if (msg)
        fprintf(stderr, "%s_client: %s\n", STACK, msg);
    fprintf(stderr,
            "usage: %s_client --host NAME --port N --mode echo|mqtt\n"
            "         [--expect-name NAME] [--ca FILE] [--cert FILE] [--key FILE]\n"
            "         [--no-client-cert] [--client-id ID] [--topic T]%s\n",
            STACK,
#if defined(HAVE_CHAIN_OPTION)
            "\n         [--chain FILE]..."
#elif defined(LAB_HEADER)
            "\n         [--header-der]"
#else
            ""
#endif
    );
    exit(2);
}

static void parse_args(int argc, char **argv)
{
    static char default_topic[300];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **dst = NULL;
        if (!strcmp(a, "--no-client-cert")) { o.no_client_cert = 1; continue; }
#if defined(LAB_HEADER) && !defined(HAVE_CHAIN_OPTION)
        if (!strcmp(a, "--header-der")) { o.header_der = 1; continue; }
#endif
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) usage(NULL);
        if (i + 1 >= argc) {
            fprintf(stderr, "%s_client: %s needs a value\n", STACK, a);
            usage(NULL);
        }
        const char *v = argv[++i];
        if (!strcmp(a, "--host")) dst = &o.host;
        else if (!strcmp(a, "--expect-name")) dst = &o.expect_name;
        else if (!strcmp(a, "--ca")) dst = &o.ca;
        else if (!strcmp(a, "--cert")) dst = &o.cert;
        else if (!strcmp(a, "--key")) dst = &o.key;
        else if (!strcmp(a, "--client-id")) dst = &o.client_id;
        else if (!strcmp(a, "--topic")) dst = &o.topic;
#ifdef HAVE_CHAIN_OPTION
        else if (!strcmp(a, "--chain")) {
            if (o.n_chain == (int)(sizeof o.chain / sizeof o.chain[0])) usage("too many --chain files");
            o.chain[o.n_chain++] = v;
            continue;
        }
#endif
        else if (!strcmp(a, "--port")) {
            char *end;
            long p = strtol(v, &end, 10);
            if (*v == '\0' || *end != '\0' || p < 1 || p > 65535) usage("--port must be 1..65535");
            o.port = (int)p;
            continue;
        } else if (!strcmp(a, "--mode")) {
            if (!strcmp(v, "echo")) o.mode = MODE_ECHO;
            else if (!strcmp(v, "mqtt")) o.mode = MODE_MQTT;
            else usage("--mode must be echo or mqtt");
            continue;
        } else {
            fprintf(stderr, "%s_client: unknown option %s\n", STACK, a);
            usage(NULL);
        }
        *dst = v;
    }
    if (!o.host || !*o.host) usage("--host is required");
    if (!o.port) usage("--port is required");
    if (!o.mode) usage("--mode is required");
    if (o.no_client_cert && (o.cert || o.key)) usage("--no-client-cert cannot be combined with --cert/--key");
#ifndef LAB_HEADER
    if (!o.ca) usage("--ca is required");
    if (!o.no_client_cert && (!o.cert || !o.key)) usage("--cert and --key are required (or --no-client-cert)");
#endif
    if (!o.client_id) o.client_id = STACK "-client";
    if (!o.topic) {
        snprintf(default_topic, sizeof default_topic, "devices/%s/hello", o.client_id);
        o.topic = default_topic;
    }
    if (strlen(o.client_id) > 256 || strlen(o.topic) > 256) usage("--client-id and --topic are limited to 256 bytes");
    if (!o.expect_name) o.expect_name = o.host;
}

/* TCP connection to --host:--port with 10 s send/receive (and connect) timeouts. */
static int tcp_connect(void)
{
    struct addrinfo hints, *res, *ai;
    char port[8];
    int fd = -1, err = 0;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(port, sizeof port, "%d", o.port);
    int rc = getaddrinfo(o.host, port, &hints, &res);
    if (rc != 0) {
        printf("fail %s resolve: %d %s\n", STACK, rc, gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai; ai = ai->ai_next) {
        struct timeval tv = { IO_TIMEOUT_S, 0 };
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) { err = errno; continue; }
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv); /* also bounds connect() on Linux */
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        printf("fail %s connect: errno %d %s (%s port %d)\n", STACK, err, strerror(err), o.host, o.port);
    return fd;
}

static const char *alert_name(int a)
{
    switch (a) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 116: return "certificate_required";
    default: return "alert";
    }
}

/* What to call an I/O failure after the handshake. */
static const char *io_label(int is_read)
{
    if (g_tls13 && !g_got_app_data)
        return "refused-after-handshake"; /* TLS 1.3: the server checks the client certificate after our Finished */
    return is_read ? "read" : "write";
}

static int tls_write_all(const uint8_t *p, size_t n);
static int tls_read_exact(uint8_t *p, size_t n);

static size_t put_remaining_length(uint8_t *p, size_t n)
{
    size_t i = 0;
    do {
        uint8_t b = n % 128;
        n /= 128;
        p[i++] = (uint8_t)(n ? (b | 0x80) : b);
    } while (n);
    return i;
}

static size_t put_string(uint8_t *p, const char *s)
{
    size_t n = strlen(s);
    p[0] = (uint8_t)(n >> 8);
    p[1] = (uint8_t)n;
    memcpy(p + 2, s, n);
    return n + 2;
}

static void hex(char *out, size_t cap, const uint8_t *p, size_t n)
{
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && k + 4 < cap; i++)
        k += (size_t)snprintf(out + k, cap - k, i ? " %02x" : "%02x", p[i]);
}

static int expect_packet(const char *what, const uint8_t *want)
{
    uint8_t got[4];
    char g[32], w[32];
    if (tls_read_exact(got, 4)) return -1;
    if (memcmp(got, want, 4) == 0) return 0;
    hex(g, sizeof g, got, 4);
    hex(w, sizeof w, want, 4);
    if (got[0] == 0x20 && got[1] == 0x02)
        printf("fail %s %s: got %s, want %s (CONNACK return code %u%s)\n", STACK, what, g, w, got[3],
               got[3] == 5 ? ": not authorized" : got[3] == 2 ? ": identifier rejected" : "");
    else
        printf("fail %s %s: got %s, want %s\n", STACK, what, g, w);
    return -1;
}

/* The application exchange of --mode; returns 0 or prints a fail line. */
static int run_exchange(void)
{
    uint8_t buf[1024];
    if (o.mode == MODE_ECHO) {
        char msg[64];
        int n = snprintf(msg, sizeof msg, "ping from %s\n", STACK);
        if (tls_write_all((const uint8_t *)msg, (size_t)n)) return -1;
        if (tls_read_exact(buf, (size_t)n)) return -1;
        if (memcmp(buf, msg, (size_t)n) != 0) {
            char h[200];
            hex(h, sizeof h, buf, (size_t)n);
            printf("fail %s echo: sent %d bytes, got back different bytes: %s\n", STACK, n, h);
            return -1;
        }
        return 0;
    }
    static const uint8_t connack[4] = { 0x20, 0x02, 0x00, 0x00 };
    static const uint8_t puback[4] = { 0x40, 0x02, 0x00, 0x01 };
    static const uint8_t disconnect[2] = { 0xE0, 0x00 };
    uint8_t body[600];
    size_t b = 0, h;

    /* CONNECT: protocol "MQTT" level 4 (3.1.1), clean session, keep-alive 30 s */
    static const uint8_t vh[10] = { 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 30 };
    memcpy(body, vh, sizeof vh);
    b = sizeof vh;
    b += put_string(body + b, o.client_id);
    buf[0] = 0x10;
    h = 1 + put_remaining_length(buf + 1, b);
    memcpy(buf + h, body, b);
    if (tls_write_all(buf, h + b)) return -1;
    if (expect_packet("connack", connack)) return -1;

    /* PUBLISH QoS 1, packet id 1 */
    char payload[64];
    int pn = snprintf(payload, sizeof payload, "hello from %s", STACK);
    b = put_string(body, o.topic);
    body[b++] = 0x00;
    body[b++] = 0x01;
    memcpy(body + b, payload, (size_t)pn);
    b += (size_t)pn;
    buf[0] = 0x32;
    h = 1 + put_remaining_length(buf + 1, b);
    memcpy(buf + h, body, b);
    if (tls_write_all(buf, h + b)) return -1;
    if (expect_packet("puback", puback)) return -1;

    return tls_write_all(disconnect, sizeof disconnect);
}

/* ======== end of common part ============================================== */

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
        printf("ok %s %s tls=%s cipher=%s\n", STACK, o.mode == MODE_ECHO ? "echo" : "mqtt",
               short_version(mbedtls_ssl_get_version(&ssl)), mbedtls_ssl_get_ciphersuite(&ssl));
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
