/*
 * mbedtls_ota.c - what ESP-IDF's esp_https_ota does, on mbedTLS 2.28 (ESP-IDF v4.4's TLS stack), against
 * `pkilab up`'s OTA server and object store.
 *
 * mTLS GET of the OTA URL (User-Agent: ESP32 HTTP Client/1.0, optional x-ESP32-version), redirects
 * 301/302/303/307/308 followed to an absolute https Location on a new connection with the same TLS settings
 * (CA file = every root in it, as cert_pem; client certificate; SNI = the URL's host), the image's first bytes
 * checked (0xE9, esp_app_desc_t magic and version), the body streamed through SHA-256, an early end resumed
 * with Range: bytes=N- (--resume, as ota_resumption), the digest compared with --sha256 or the manifest's.
 *
 * See README.md beside this file for the options and the RESULT line.
 */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#if MBEDTLS_VERSION_MAJOR != 2
#error "mbedtls_ota.c is written for mbedTLS 2.x (2.28 LTS, as in ESP-IDF v4.4)"
#endif

#define STACK "mbedtls"
static int tls_write_all(const uint8_t *p, size_t n);
static int tls_read_exact(uint8_t *p, size_t n);
#include "ota_common.h"

static struct {
    const char *url, *ca, *cert, *key, *version, *sha256, *basic_auth;
    int manifest, resume, head_first;
    size_t tx_buffer;
} opt = { .tx_buffer = 0 };

static mbedtls_net_context net;
static mbedtls_ssl_context ssl;
static mbedtls_ssl_config conf;
static mbedtls_x509_crt cacert, clicert;
static mbedtls_pk_context pkey;
static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static int connected;

#define LOGI(tag, ...) (printf("I (%lld) %s: ", ms_since_start(), tag), printf(__VA_ARGS__), printf("\n"))
#define LOGW(tag, ...) (printf("W (%lld) %s: ", ms_since_start(), tag), printf(__VA_ARGS__), printf("\n"))
#define LOGE(tag, ...) (printf("E (%lld) %s: ", ms_since_start(), tag), printf(__VA_ARGS__), printf("\n"))

static int result_fail(const char *reason, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int result_fail(const char *reason, const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    printf("RESULT fail %s ", reason);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    return 1;
}

static void ota_usage(const char *msg)
{
    if (msg) fprintf(stderr, "mbedtls_ota: %s\n", msg);
    fprintf(stderr,
            "usage: mbedtls_ota --url https://HOST:PORT/ota/update[?...] --ca FILE --cert FILE --key FILE\n"
            "         [--version V] [--sha256 HEX | --manifest] [--resume] [--head-first]\n"
            "         [--basic-auth USER:PASSWORD] [--tx-buffer N]\n");
    exit(2);
}

static void parse_options(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--manifest")) { opt.manifest = 1; continue; }
        if (!strcmp(a, "--resume")) { opt.resume = 1; continue; }
        if (!strcmp(a, "--head-first")) { opt.head_first = 1; continue; }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) ota_usage(NULL);
        if (i + 1 >= argc) ota_usage("an option needs a value");
        const char *v = argv[++i];
        if (!strcmp(a, "--url")) opt.url = v;
        else if (!strcmp(a, "--ca")) opt.ca = v;
        else if (!strcmp(a, "--cert")) opt.cert = v;
        else if (!strcmp(a, "--key")) opt.key = v;
        else if (!strcmp(a, "--version")) opt.version = v;
        else if (!strcmp(a, "--sha256")) opt.sha256 = v;
        else if (!strcmp(a, "--basic-auth")) opt.basic_auth = v;
        else if (!strcmp(a, "--tx-buffer")) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || n < 64) ota_usage("--tx-buffer must be a number of bytes (at least 64)");
            opt.tx_buffer = (size_t)n;
        } else {
            fprintf(stderr, "mbedtls_ota: unknown option %s\n", a);
            ota_usage(NULL);
        }
    }
    if (!opt.url || !opt.ca || !opt.cert || !opt.key) ota_usage("--url, --ca, --cert and --key are required");
    if (opt.sha256 && (strlen(opt.sha256) != 64)) ota_usage("--sha256 takes 64 hex digits");
    if (opt.sha256 && opt.manifest) ota_usage("--sha256 and --manifest both give the digest: choose one");
    if (opt.basic_auth && !strchr(opt.basic_auth, ':')) ota_usage("--basic-auth takes USER:PASSWORD");
}

static void mbed_error_text(int ret, char *out, size_t cap)
{
    char err[200];
    mbedtls_strerror(ret, err, sizeof err);
    snprintf(out, cap, "-0x%04x %s", (unsigned)-ret, err);
}

static void tls_close(void)
{
    if (connected) mbedtls_ssl_close_notify(&ssl);
    mbedtls_net_free(&net);
    mbedtls_ssl_free(&ssl);
    connected = 0;
}

/* esp_tls_conn_new on the URL's host: TCP, then the handshake with the one configuration. Prints the
 * ESP-IDF log lines and the RESULT line on failure. */
static int tls_open(const struct url *u)
{
    int ret, err;
    const char *what;
    char text[300];
    mbedtls_net_init(&net);
    mbedtls_ssl_init(&ssl);
    if ((ret = mbedtls_ssl_setup(&ssl, &conf)) != 0 || (ret = mbedtls_ssl_set_hostname(&ssl, u->host)) != 0) {
        mbed_error_text(ret, text, sizeof text);
        return result_fail("tls", "%s (setup)", text);
    }
    if ((net.fd = tcp_dial(u->host, u->port, &err, &what)) < 0) {
        LOGE("esp-tls", "[sock=-1] connect() error: %s (%s port %d)", what, u->host, u->port);
        LOGE("HTTP_CLIENT", "Connection failed, sock < 0");
        return result_fail("tls", "connect errno %d %s (%s port %d)", err, what, u->host, u->port);
    }
    mbedtls_ssl_set_bio(&ssl, &net, mbedtls_net_send, NULL, mbedtls_net_recv_timeout);
    while ((ret = mbedtls_ssl_handshake(&ssl)) != 0) {
        if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
        mbed_error_text(ret, text, sizeof text);
        LOGE("esp-tls-mbedtls", "mbedtls_ssl_handshake returned -0x%04x", (unsigned)-ret);
        char detail[700] = "";
        if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
            uint32_t flags = mbedtls_ssl_get_verify_result(&ssl);
            char info[512];
            mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
            LOGE("esp-tls-mbedtls", "Failed to verify peer certificate!");
            for (char *c = info; *c; c++)
                if (*c == '\n') *c = (c[1] ? ';' : '\0');
            LOGI("esp-tls-mbedtls", "verification info: %s", info);
            snprintf(detail, sizeof detail, " verify flags 0x%08x:%s", (unsigned)flags, info);
        } else if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && ssl.in_msg && ssl.in_msgtype == MBEDTLS_SSL_MSG_ALERT) {
            snprintf(detail, sizeof detail, " (received alert %u %s)", ssl.in_msg[1], alert_name(ssl.in_msg[1]));
        }
        LOGE("esp-tls", "Failed to open new connection");
        LOGE("TRANS_SSL", "Failed to open a new connection");
        LOGE("HTTP_CLIENT", "Connection failed, sock < 0");
        LOGE("esp_https_ota", "Failed to open HTTP connection: ESP_ERR_HTTP_CONNECT");
        LOGE("esp_https_ota", "Failed to establish HTTP connection");
        tls_close();
        return result_fail("tls", "%s%s (%s port %d)", text, detail, u->host, u->port);
    }
    connected = 1;
    return 0;
}

static int tls_write_all(const uint8_t *p, size_t n)
{
    while (n > 0) {
        int r = mbedtls_ssl_write(&ssl, p, n);
        if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
        if (r < 0) {
            char text[300];
            mbed_error_text(r, text, sizeof text);
            LOGE("HTTP_CLIENT", "Error write request: %s", text);
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* >0 bytes, 0 when the server closed (close_notify or TCP FIN), <0 on an error (printed). */
static int last_read_error;
static int tls_read_some(uint8_t *p, size_t n)
{
    for (;;) {
        int r = mbedtls_ssl_read(&ssl, p, n);
        if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
        /* The end of the connection, with or without close_notify */
        if (r == 0 || r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || r == MBEDTLS_ERR_NET_CONN_RESET || r == MBEDTLS_ERR_SSL_CONN_EOF)
            return 0;
        if (r < 0) {
            char text[300];
            last_read_error = r;
            mbed_error_text(r, text, sizeof text);
            LOGE("TRANS_SSL", "esp_tls_conn_read error, errno=%s", text);
            return -1;
        }
        return r;
    }
}

static int tls_read_exact(uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        int r = tls_read_some(p + got, n - got);
        if (r <= 0) return -1;
        got += (size_t)r;
    }
    return 0;
}

/* The request as esp_http_client writes it; -2 when the request line does not fit buffer_size_tx. */
static int send_request(const char *method, const struct url *u, long long range_from)
{
    static char req[OTA_MAX_URL + 2048];
    char host[300];
    size_t n;
    int first = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\n", method, u->target);
    /* esp_http_client_prepare_first_line: the request line must fit the TX buffer; the headers are then
       written in pieces, so only the first line can overflow it. */
    if (opt.tx_buffer && (size_t)first >= opt.tx_buffer) {
        LOGE("HTTP_CLIENT", "Out of buffer");
        LOGE("esp_https_ota", "Failed to open HTTP connection: ESP_FAIL");
        return -2;
    }
    host_header(u, host, sizeof host);
    n = (size_t)first;
    n += (size_t)snprintf(req + n, sizeof req - n, "User-Agent: ESP32 HTTP Client/1.0\r\nHost: %s\r\n", host);
    if (opt.basic_auth) {
        char b64[600];
        base64(b64, (const uint8_t *)opt.basic_auth, strlen(opt.basic_auth) > 440 ? 440 : strlen(opt.basic_auth));
        n += (size_t)snprintf(req + n, sizeof req - n, "Authorization: Basic %s\r\n", b64);
    }
    if (opt.version) n += (size_t)snprintf(req + n, sizeof req - n, "x-ESP32-version: %s\r\n", opt.version);
    if (range_from >= 0) n += (size_t)snprintf(req + n, sizeof req - n, "Range: bytes=%lld-\r\n", range_from);
    n += (size_t)snprintf(req + n, sizeof req - n, "\r\n");
    return tls_write_all((const uint8_t *)req, n);
}

static struct http_response resp;
static int resp_has_no_body; /* a HEAD's answer, a 304, a 204 */

/* Open a connection to u, send the request, read the head. Returns 0, or 1 after printing RESULT. */
static int request(const char *method, const struct url *u, long long range_from)
{
    if (tls_open(u)) return 1;
    int s = send_request(method, u, range_from);
    if (s == -2) { tls_close(); return result_fail("out_of_buffer", "request line of %zu+ bytes > tx buffer %zu (%s)", strlen(u->target), opt.tx_buffer, u->host); }
    if (s) { tls_close(); return result_fail("tls", "write failed"); }
    int h = read_response_head(tls_read_some, &resp);
    resp_has_no_body = !strcmp(method, "HEAD") || resp.status == 304 || resp.status == 204 || (resp.status >= 100 && resp.status < 200);
    if (h == -2) {
        LOGE("HTTP_CLIENT", "Connection closed before complete data was received! (Complete headers were not received)");
        tls_close();
        return result_fail("short_read", "the connection ended in the response head (%zu bytes)", resp.head_len);
    }
    if (h == -3) { tls_close(); return result_fail("http_status", "0 malformed response head"); }
    if (h) { tls_close(); return result_fail("tls", "read failed -0x%04x", (unsigned)-last_read_error); }
    char sl[200];
    LOGI("HTTP_CLIENT", "%s https://%s:%d%.*s -> %s (Content-Length %lld)", method, u->host, u->port,
         (int)strcspn(u->target, "?"), u->target, status_line(&resp, sl, sizeof sl), resp.content_length);
    return 0;
}

/* Reads (and drops) a small body: a redirect's or an error's. Keeps the first bytes in out. */
static void drain_body(char *out, size_t cap)
{
    size_t k = resp.extra_len < cap - 1 ? resp.extra_len : cap - 1;
    memcpy(out, resp.extra, k);
    /* Without Content-Length the body ends with the connection (at most 1 MiB is read). */
    long long left = resp_has_no_body ? 0 : resp.content_length < 0 ? 1 << 20 : resp.content_length - (long long)resp.extra_len;
    uint8_t buf[2048];
    while (left > 0) {
        int r = tls_read_some(buf, left < (long long)sizeof buf ? (size_t)left : sizeof buf);
        if (r <= 0) break;
        size_t c = (size_t)r;
        if (k + c > cap - 1) c = cap - 1 - k;
        memcpy(out + k, buf, c);
        k += c;
        left -= r;
    }
    out[k] = '\0';
}

static int status_failure(int status)
{
    char body[4096], code[80];
    drain_body(body, sizeof body);
    tls_close();
    s3_error_code(body, code, sizeof code);
    if (status == 304) {
        LOGE("esp_https_ota", "OTA image not modified since last request (status code: 304)");
        return result_fail("not_modified", "304");
    }
    if (status == 403 || status == 404) LOGE("esp_https_ota", "File not found(%d)", status);
    else if (status >= 400 && status < 500) LOGE("esp_https_ota", "Client error (%d)", status);
    else if (status >= 500) LOGE("esp_https_ota", "Server error (%d)", status);
    else LOGE("esp_https_ota", "Received incorrect http status %d", status);
    return result_fail("http_status", "%d%s%s", status, code[0] ? " " : "", code);
}

static int is_redirect(int s) { return s == 301 || s == 302 || s == 303 || s == 307 || s == 308; }

/* Follows redirects from *u (rewritten to the final URL) until a non-redirect head is read. */
static int request_following(const char *method, struct url *u, long long range_from)
{
    for (int hops = 0;; hops++) {
        if (request(method, u, range_from)) return 1;
        if (!is_redirect(resp.status)) return 0;
        char body[256];
        drain_body(body, sizeof body);
        tls_close();
        if (hops == OTA_MAX_REDIRECTS) {
            LOGE("HTTP_CLIENT", "Error, reach max_redirection_count count=%d", OTA_MAX_REDIRECTS);
            return result_fail("http_status", "%d too many redirects", resp.status);
        }
        if (!resp.location[0]) {
            LOGE("HTTP_CLIENT", "Location header not found");
            return result_fail("http_status", "%d without Location", resp.status);
        }
        char loc[OTA_MAX_URL];
        snprintf(loc, sizeof loc, "%s", resp.location);
        if (parse_url(loc, u)) {
            LOGE("HTTP_CLIENT", "Error parsing the redirect location %.200s", loc);
            return result_fail("http_status", "%d Location is not an absolute https URL: %.200s", resp.status, loc);
        }
        LOGI("HTTP_CLIENT", "Redirect %d to https://%s:%d (%zu-byte request target)", resp.status, u->host, u->port,
             strlen(u->target));
    }
}

int main(int argc, char **argv)
{
    int ret, status = 1;
    char text[300];
    struct url u;
    char expected[80] = "", manifest_url[OTA_MAX_URL] = "";
    parse_options(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    ms_since_start();
    if (parse_url(opt.url, &u)) ota_usage("--url must be an absolute https URL");
    if (opt.sha256) snprintf(expected, sizeof expected, "%s", opt.sha256);

    mbedtls_net_init(&net);
    mbedtls_ssl_init(&ssl);
    mbedtls_ssl_config_init(&conf);
    mbedtls_x509_crt_init(&cacert);
    mbedtls_x509_crt_init(&clicert);
    mbedtls_pk_init(&pkey);
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);

    if ((ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, (const unsigned char *)"ota", 3)) != 0) {
        mbed_error_text(ret, text, sizeof text);
        result_fail("tls", "%s (rng)", text);
        goto out;
    }
    /* cert_pem: every certificate in the one file (mbedtls_x509_crt_parse over the whole PEM). A positive
       return is the number of certificates that failed to parse. */
    if ((ret = mbedtls_x509_crt_parse_file(&cacert, opt.ca)) != 0) {
        mbed_error_text(ret < 0 ? ret : MBEDTLS_ERR_X509_INVALID_FORMAT, text, sizeof text);
        result_fail("tls", "%s (load-ca %s)", text, opt.ca);
        goto out;
    }
    int roots = 0;
    for (mbedtls_x509_crt *c = &cacert; c && c->raw.len; c = c->next) roots++;
    LOGI("esp-tls-mbedtls", "cert_pem: %d certificate(s) from %s", roots, opt.ca);
    if ((ret = mbedtls_x509_crt_parse_file(&clicert, opt.cert)) != 0) {
        mbed_error_text(ret < 0 ? ret : MBEDTLS_ERR_X509_INVALID_FORMAT, text, sizeof text);
        result_fail("tls", "%s (load-cert %s)", text, opt.cert);
        goto out;
    }
    if ((ret = mbedtls_pk_parse_keyfile(&pkey, opt.key, NULL)) != 0) {
        mbed_error_text(ret, text, sizeof text);
        result_fail("tls", "%s (load-key %s)", text, opt.key);
        goto out;
    }
    if ((ret = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                           MBEDTLS_SSL_PRESET_DEFAULT)) != 0) {
        mbed_error_text(ret, text, sizeof text);
        result_fail("tls", "%s (config)", text);
        goto out;
    }
    mbedtls_ssl_conf_min_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&conf, &cacert, NULL);
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    mbedtls_ssl_conf_read_timeout(&conf, IO_TIMEOUT_S * 1000);
    if ((ret = mbedtls_ssl_conf_own_cert(&conf, &clicert, &pkey)) != 0) {
        mbed_error_text(ret, text, sizeof text);
        result_fail("tls", "%s (own certificate)", text);
        goto out;
    }

    LOGI("esp_https_ota", "Starting OTA from https://%s:%d%s", u.host, u.port, u.target);

    if (opt.manifest) {
        /* GET /ota/manifest (with the --url's query, so ?fault= applies), then the image URL directly. */
        struct url m = u;
        const char *q = strchr(u.target, '?');
        snprintf(m.target, sizeof m.target, "/ota/manifest%s", q ? q : "");
        if (request("GET", &m, -1)) goto out;
        if (resp.status != 200) { status = status_failure(resp.status); goto out; }
        static char body[OTA_MAX_HEAD];
        drain_body(body, sizeof body);
        tls_close();
        char update[16] = "";
        json_field(body, "update", update, sizeof update);
        if (!strcmp(update, "false")) {
            LOGI("esp_https_ota", "manifest: no update");
            status = result_fail("not_modified", "manifest update=false");
            goto out;
        }
        if (json_field(body, "url", manifest_url, sizeof manifest_url) || json_field(body, "sha256", expected, sizeof expected)) {
            status = result_fail("http_status", "200 manifest without url/sha256");
            goto out;
        }
        LOGI("esp_https_ota", "manifest: sha256 %s, url of %zu bytes", expected, strlen(manifest_url));
        if (parse_url(manifest_url, &u)) {
            status = result_fail("http_status", "200 manifest url is not an absolute https URL");
            goto out;
        }
    }

    if (opt.head_first) {
        /* partial_http_download before v6.1: esp_http_client_perform(HEAD) follows redirects and leaves the
           client on the final URL; anything but 200 ends the update. */
        if (request_following("HEAD", &u, -1)) goto out;
        tls_close();
        if (resp.status != 200) {
            LOGE("esp_https_ota", "Received incorrect http status %d", resp.status);
            status = result_fail("http_status", "%d (HEAD)", resp.status);
            goto out;
        }
        LOGI("esp_https_ota", "HEAD: image length %lld", resp.content_length);
    }

    /* The download: GET (redirects followed, unless the manifest gave the URL), then on an early end
       Range: bytes=N- on the final URL. */
    mbedtls_sha256_context sha;
    mbedtls_sha256_init(&sha);
    mbedtls_sha256_starts_ret(&sha, 0);
    long long total = -1, got = 0, resumed_at = 0;
    uint8_t head[ESP_IMAGE_HEAD_BYTES];
    size_t head_n = 0;
    int checked = 0, attempts = 0;
    static uint8_t buf[16384];
    for (;;) {
        long long from = got > 0 ? got : -1;
        int r = opt.manifest || attempts > 0 ? request("GET", &u, from) : request_following("GET", &u, from);
        attempts++;
        if (r) goto out;
        if (from >= 0) {
            if (resp.status == 206) {
                long long a = -1, b = -1, t = -1;
                if (sscanf(resp.content_range, "bytes %lld-%lld/%lld", &a, &b, &t) != 3 || a != from) {
                    tls_close();
                    status = result_fail("http_status", "206 with Content-Range '%s' for bytes=%lld-", resp.content_range, from);
                    goto out;
                }
                LOGI("esp_https_ota", "Resuming at %lld of %lld (206, Content-Range %s)", from, t, resp.content_range);
                resumed_at = from;
            } else if (resp.status == 200 || resp.status == 416) {
                LOGW("esp_https_ota", resp.status == 200 ? "Server ignored the requested Range header" : "Requested range not satisfiable (416)");
                if (resp.status == 416) {
                    char body[512];
                    drain_body(body, sizeof body);
                    tls_close();
                    if (attempts > 3) { status = result_fail("http_status", "416"); goto out; }
                }
                mbedtls_sha256_starts_ret(&sha, 0);
                got = 0;
                head_n = 0;
                checked = 0;
                resumed_at = 0;
                total = -1;
                if (resp.status == 416) continue;
            } else {
                status = status_failure(resp.status);
                goto out;
            }
        } else if (resp.status != 200) {
            status = status_failure(resp.status);
            goto out;
        }
        if (total < 0 && resp.content_length >= 0) total = got + resp.content_length;
        if (resp.status == 200) LOGI("esp_https_ota", "Image length %lld", resp.content_length);

        long long left = resp.content_length >= 0 ? resp.content_length : -1;
        size_t pending = resp.extra_len;
        const uint8_t *p = resp.extra;
        int closed = 0;
        for (;;) {
            if (pending == 0) {
                if (left == 0) break;
                size_t want = sizeof buf;
                if (left > 0 && (long long)want > left) want = (size_t)left;
                int n = tls_read_some(buf, want);
                if (n <= 0) { closed = 1; break; }
                p = buf;
                pending = (size_t)n;
            }
            size_t n = pending;
            if (left >= 0 && (long long)n > left) n = (size_t)left;
            if (head_n < sizeof head) {
                size_t c = sizeof head - head_n < n ? sizeof head - head_n : n;
                memcpy(head + head_n, p, c);
                head_n += c;
            }
            mbedtls_sha256_update_ret(&sha, p, n);
            got += (long long)n;
            if (left > 0) left -= (long long)n;
            p += n;
            pending -= n;
            if (!checked && (head_n == sizeof head || (total >= 0 && got >= total))) {
                checked = 1;
                if (head[0] != ESP_IMAGE_MAGIC) {
                    LOGE("esp_https_ota", "OTA image has invalid magic byte (expected 0xE9, saw 0x%02x)", head[0]);
                    tls_close();
                    status = result_fail("bad_magic", "byte0=0x%02x", head[0]);
                    goto out;
                }
                if (head_n < ESP_APP_VERSION_OFFSET + 32 || le32(head + ESP_APP_DESC_OFFSET) != ESP_APP_DESC_MAGIC) {
                    LOGE("esp_https_ota", "Incorrect app descriptor magic");
                    tls_close();
                    status = result_fail("bad_magic", "app_desc_magic=0x%08x", head_n >= 36 ? le32(head + ESP_APP_DESC_OFFSET) : 0);
                    goto out;
                }
                char ver[33];
                memcpy(ver, head + ESP_APP_VERSION_OFFSET, 32);
                ver[32] = '\0';
                LOGI("esp_https_ota", "New firmware version: %s", ver);
            }
        }
        tls_close();
        if (!closed || (total >= 0 && got >= total) || (total < 0 && closed)) break;
        LOGE("HTTP_CLIENT", "Connection closed before complete data was received! (%lld of %lld bytes)", got, total);
        if (!opt.resume || attempts > 5) {
            status = result_fail("short_read", "got=%lld expected=%lld", got, total);
            goto out;
        }
        LOGI("esp_https_ota", "ota_resumption: asking for bytes=%lld-", got);
    }

    uint8_t digest[32];
    char hexd[65];
    mbedtls_sha256_finish_ret(&sha, digest);
    mbedtls_sha256_free(&sha);
    to_hex(hexd, digest, 32);
    LOGI("esp_https_ota", "Downloaded %lld bytes, SHA-256 %s", got, hexd);
    if (!checked) {
        status = result_fail("bad_magic", "image of %lld bytes is too short for a header", got);
        goto out;
    }
    if (expected[0] && strcasecmp(expected, hexd) != 0) {
        LOGE("esp_image", "Image hash failed - image is corrupt");
        status = result_fail("digest_mismatch", "expected=%s calculated=%s", expected, hexd);
        goto out;
    }
    if (!expected[0]) LOGW("esp_https_ota", "no expected SHA-256 given (--sha256 or --manifest): not compared");
    LOGI("esp_https_ota", "OTA download complete");
    printf("RESULT ok bytes=%lld sha256=%s resumed_at=%lld\n", got, hexd, resumed_at);
    status = 0;

out:
    tls_close();
    mbedtls_ssl_config_free(&conf);
    mbedtls_x509_crt_free(&cacert);
    mbedtls_x509_crt_free(&clicert);
    mbedtls_pk_free(&pkey);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    return status;
}
