/*
 * bearssl_httpupdate.c - what the ESP8266 Arduino core's ESP8266httpUpdate does, on BearSSL 0.6 (the core's TLS
 * stack), against `pkilab up`'s OTA server and object store.
 *
 * HTTP/1.0 GET with the x-ESP8266-* headers; trust anchors (--ca, several allowed) and the client chain/key
 * from DER files, loaded as bearssl_client.c loads them; redirects not followed unless --follow
 * (HTTPC_STRICT_FOLLOW_REDIRECTS: 301/302/303/307, never 308; the x-ESP8266-* headers are dropped on the way,
 * as HTTPClient::clear() does); 200 + Content-Length > 0 required; first byte 0xE9; MD5 from --md5
 * (setMD5sum) or the final response's x-MD5, checked over the body with br_md5.
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
#include <time.h>
#include <unistd.h>

#include <bearssl.h>

#define STACK "bearssl"
static int tls_write_all(const uint8_t *p, size_t n);
static int tls_read_exact(uint8_t *p, size_t n);
#include "ota_common.h"

/* ESP8266httpUpdate's HTTPUpdateResult codes (ESP8266httpUpdate.h) and Updater.h's error for the MD5. */
#define HTTP_UE_TOO_LESS_SPACE (-100)
#define HTTP_UE_SERVER_NOT_REPORT_SIZE (-101)
#define HTTP_UE_SERVER_FILE_NOT_FOUND (-102)
#define HTTP_UE_SERVER_FORBIDDEN (-103)
#define HTTP_UE_SERVER_WRONG_HTTP_CODE (-104)
#define HTTP_UE_SERVER_FAULTY_MD5 (-105)
#define HTTP_UE_BIN_VERIFY_HEADER_FAILED (-106)
#define HTTP_UE_SERVER_UNAUTHORIZED (-108)
#define HTTPC_ERROR_CONNECTION_FAILED (-1)
#define HTTPC_ERROR_SEND_HEADER_FAILED (-2)
#define HTTPC_ERROR_NO_HTTPSERVER (-7)
#define HTTPC_ERROR_READ_TIMEOUT (-11)
#define UPDATE_ERROR_STREAM 6
#define UPDATE_ERROR_MD5 7

static struct {
    const char *url, *cert, *key, *version, *md5, *chip_id, *sta_mac, *ap_mac, *sketch_md5, *sdk_version;
    const char *ca[8], *chain[8];
    int n_ca, n_chain, follow;
    long long free_space, sketch_size, chip_size;
} opt = {
    .chip_id = "1458400", .sta_mac = "5C:CF:7F:16:40:E0", .ap_mac = "5E:CF:7F:16:40:E0",
    .sketch_md5 = "3f6b1e0c8a37bd6a3e3c9c5b2c9e7a1d", .sdk_version = "2.2.2-dev(38a443e)",
    .free_space = 2093056, .sketch_size = 312592, .chip_size = 4194304,
};

static unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
static br_ssl_client_context cc;
static br_x509_minimal_context xc;
static br_sslio_context ioc;
static br_skey_decoder_context skdc;
static br_x509_trust_anchor anchors[16];
static size_t n_anchors;
static br_x509_certificate chain[9];
static size_t chain_len;
static int sock_fd = -1;
static int last_errno;

#define LOG(...) (printf(__VA_ARGS__), printf("\n"))

#include "bearssl_common.h"

static int result_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int result_fail(int code, const char *fmt, ...)
{
    va_list ap;
    if (code != 0) printf("HTTP_UPDATE_FAILED Error (%d)\n", code);
    printf("RESULT fail %d ", code);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    return 1;
}

static int load_file(const char *path, unsigned char **data, size_t *len)
{
    if (read_whole_file(path, data, len) == 0) return 0;
    printf("RESULT fail -1 load %s: errno %d %s\n", path, errno, strerror(errno));
    return -1;
}

/* Append the certificates of a DER file (one, or several concatenated) to chain[]. */
static int add_certs(const char *path)
{
    const unsigned char *bad = NULL;
    size_t bad_len = 0;
    switch (append_der_certs(path, chain, &chain_len, sizeof chain / sizeof chain[0], &bad, &bad_len)) {
    case 0: return 0;
    case 1:
        printf("RESULT fail -1 load %s: not a DER certificate%s\n", path, is_pem(bad, bad_len) ? " (this is PEM: openssl x509 -outform DER)" : "");
        return -1;
    case 2:
        printf("RESULT fail -1 load %s: too many certificates\n", path);
        return -1;
    default:
        printf("RESULT fail -1 load %s: errno %d %s\n", path, errno, strerror(errno));
        return -1;
    }
}

/* Trust anchors from a DER file holding one certificate or several concatenated (an X509List). */
static int load_anchors(const char *path)
{
    unsigned char *all;
    size_t total;
    if (load_file(path, &all, &total)) return -1;
    const unsigned char *d = all;
    size_t n = total;
    do {
        size_t l = der_element_len(d, n);
        if (l == 0) l = n; /* let the decoder say what is wrong */
        if (n_anchors == sizeof anchors / sizeof anchors[0]) {
            printf("RESULT fail -1 load %s: too many trust anchors\n", path);
            return -1;
        }
        int err = anchor_from_der(d, l, &anchors[n_anchors]);
        if (err) {
            char t[160];
            printf("RESULT fail -1 load %s: %s%s\n", path, br_error_text(err, t, sizeof t),
                   is_pem(d, n) ? " (this is PEM; BearSSL wants DER: openssl x509 -outform DER)" : "");
            return -1;
        }
        n_anchors++;
        d += l;
        n -= l;
    } while (n > 0);
    return 0;
}

/* --- the connection: one WiFiClientSecure, reconnected (same anchors, same client chain) for each request */

static void tls_close(void)
{
    if (sock_fd >= 0) {
        close(sock_fd);
        sock_fd = -1;
    }
}

/* WiFiClientSecure::connect: TCP, then the handshake. Returns 0, or the BearSSL error (or -1 for TCP). */
static int tls_open(const struct url *u, char *why, size_t cap)
{
    int err;
    const char *what;
    tls_close();
    if (!br_ssl_client_reset(&cc, u->host, 0)) {
        br_error_text(br_ssl_engine_last_error(&cc.eng), why, cap);
        return -1;
    }
    if ((sock_fd = tcp_dial(u->host, u->port, &err, &what)) < 0) {
        snprintf(why, cap, "connect: %s", what);
        return -1;
    }
    br_sslio_init(&ioc, &cc.eng, sock_read, &sock_fd, sock_write, &sock_fd);
    if (br_sslio_flush(&ioc) < 0 || br_ssl_engine_current_state(&cc.eng) == BR_SSL_CLOSED) {
        int e = br_ssl_engine_last_error(&cc.eng);
        if (e == BR_ERR_OK) snprintf(why, cap, "connection closed by the server during the handshake");
        else br_error_text(e, why, cap);
        tls_close();
        return e ? e : -1;
    }
    return 0;
}

static int tls_write_all(const uint8_t *p, size_t n)
{
    if (br_sslio_write_all(&ioc, p, n) < 0 || br_sslio_flush(&ioc) < 0) return -1;
    return 0;
}

static int tls_read_some(uint8_t *p, size_t n)
{
    int r = br_sslio_read(&ioc, p, n);
    if (r < 0) {
        int err = br_ssl_engine_last_error(&cc.eng);
        /* A TCP close without close_notify is BR_ERR_IO with errno 0: the end of an HTTP/1.0 body for us. */
        if (err == BR_ERR_OK || (err == BR_ERR_IO && last_errno == 0)) return 0;
        return -1;
    }
    return r;
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

static struct http_response resp;

/* HTTPClient::sendRequest("GET") + handleHeaderResponse, with the redirect loop of
 * HTTPC_STRICT_FOLLOW_REDIRECTS. Returns the HTTP code, or a negative HTTPClient error (printed). */
static int http_get(struct url *u)
{
    int redirects = 0, with_esp_headers = 1;
    for (;;) {
        char why[200], host[300];
        int e = tls_open(u, why, sizeof why);
        if (e) {
            LOG("[HTTP-Client] failed connect to %s:%d", u->host, u->port);
            LOG("[HTTP-Client][returnError] error(-1): connection failed");
            LOG("SSL error: %s", why);
            LOG("[httpUpdate] HTTP error: -1");
            return result_fail(HTTPC_ERROR_CONNECTION_FAILED, "connection failed (ssl error %s; %s:%d)", why, u->host, u->port) ? HTTPC_ERROR_CONNECTION_FAILED : 0;
        }
        static char req[OTA_MAX_URL + 2048];
        size_t n;
        host_header(u, host, sizeof host);
        n = (size_t)snprintf(req, sizeof req,
                             "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: ESP8266-http-Update\r\nConnection: close\r\n",
                             u->target, host);
        if (with_esp_headers) {
            n += (size_t)snprintf(req + n, sizeof req - n,
                                  "x-ESP8266-Chip-ID: %s\r\nx-ESP8266-STA-MAC: %s\r\nx-ESP8266-AP-MAC: %s\r\n"
                                  "x-ESP8266-free-space: %lld\r\nx-ESP8266-sketch-size: %lld\r\nx-ESP8266-sketch-md5: %s\r\n"
                                  "x-ESP8266-chip-size: %lld\r\nx-ESP8266-sdk-version: %s\r\nx-ESP8266-mode: sketch\r\n",
                                  opt.chip_id, opt.sta_mac, opt.ap_mac, opt.free_space, opt.sketch_size, opt.sketch_md5,
                                  opt.chip_size, opt.sdk_version);
            if (opt.version) n += (size_t)snprintf(req + n, sizeof req - n, "x-ESP8266-version: %s\r\n", opt.version);
        }
        n += (size_t)snprintf(req + n, sizeof req - n, "\r\n");
        if (tls_write_all((const uint8_t *)req, n)) {
            br_error_text(br_ssl_engine_last_error(&cc.eng), why, sizeof why);
            tls_close();
            return result_fail(HTTPC_ERROR_SEND_HEADER_FAILED, "send header failed (ssl error %s)", why) ? HTTPC_ERROR_SEND_HEADER_FAILED : 0;
        }
        int h = read_response_head(tls_read_some, &resp);
        if (h == -1) {
            br_error_text(br_ssl_engine_last_error(&cc.eng), why, sizeof why);
            tls_close();
            return result_fail(HTTPC_ERROR_READ_TIMEOUT, "read Timeout (ssl error %s)", why) ? HTTPC_ERROR_READ_TIMEOUT : 0;
        }
        if (h) {
            tls_close();
            return result_fail(HTTPC_ERROR_NO_HTTPSERVER, "no HTTP server") ? HTTPC_ERROR_NO_HTTPSERVER : 0;
        }
        char sl[200];
        LOG("[HTTP-Client][handleHeaderResponse] RX: '%s' (%s:%d %.*s)", status_line(&resp, sl, sizeof sl), u->host, u->port,
            (int)strcspn(u->target, "?"), u->target);
        int code = resp.status;
        int follow = opt.follow && (code == 301 || code == 302 || code == 303 || code == 307);
        if (!follow) return code;
        if (++redirects > OTA_MAX_REDIRECTS) {
            LOG("[HTTP-Client][sendRequest] redirect limit reached");
            return code;
        }
        if (!resp.location[0]) return code;
        char loc[OTA_MAX_URL];
        snprintf(loc, sizeof loc, "%s", resp.location);
        tls_close();
        LOG("[HTTP-Client][sendRequest] following redirect (the same method): '%.120s...' redirCount: %d", loc, redirects);
        /* setURL → beginInternal → clear(): the added headers (x-ESP8266-*) are gone from here on. */
        if (parse_url(loc, u)) {
            LOG("[HTTP-Client][begin] unexpected protocol or relative location: %.120s", loc);
            return code;
        }
        with_esp_headers = 0;
    }
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--follow")) { opt.follow = 1; continue; }
        if (i + 1 >= argc) goto usage;
        const char *v = argv[++i];
        if (!strcmp(a, "--url")) opt.url = v;
        else if (!strcmp(a, "--ca") && opt.n_ca < 8) opt.ca[opt.n_ca++] = v;
        else if (!strcmp(a, "--chain") && opt.n_chain < 8) opt.chain[opt.n_chain++] = v;
        else if (!strcmp(a, "--cert")) opt.cert = v;
        else if (!strcmp(a, "--key")) opt.key = v;
        else if (!strcmp(a, "--version")) opt.version = v;
        else if (!strcmp(a, "--md5")) opt.md5 = v;
        else if (!strcmp(a, "--free-space")) opt.free_space = atoll(v);
        else goto usage;
    }
    if (!opt.url || !opt.n_ca || !opt.cert || !opt.key) goto usage;
    struct url u;
    if (parse_url(opt.url, &u)) goto usage;

    for (int i = 0; i < opt.n_ca; i++)
        if (load_anchors(opt.ca[i])) return 1;
    br_ssl_client_init_full(&cc, &xc, anchors, n_anchors);
    br_ssl_engine_set_versions(&cc.eng, BR_TLS12, BR_TLS12);
    br_ssl_engine_set_buffer(&cc.eng, iobuf, sizeof iobuf, 1);
    time_t now = time(NULL); /* setX509Time after SNTP */
    br_x509_minimal_set_time(&xc, (uint32_t)(now / 86400) + 719528u, (uint32_t)(now % 86400));
    if (add_certs(opt.cert)) return 1;
    for (int i = 0; i < opt.n_chain; i++)
        if (add_certs(opt.chain[i])) return 1;
    unsigned char *kd;
    size_t kn;
    if (load_file(opt.key, &kd, &kn)) return 1;
    br_skey_decoder_init(&skdc);
    br_skey_decoder_push(&skdc, kd, kn);
    int kerr = br_skey_decoder_last_error(&skdc);
    switch (kerr ? 0 : br_skey_decoder_key_type(&skdc)) {
    case BR_KEYTYPE_EC:
        br_ssl_client_set_single_ec(&cc, chain, chain_len, br_skey_decoder_get_ec(&skdc), BR_KEYTYPE_SIGN, 0,
                                    br_ec_get_default(), br_ecdsa_sign_asn1_get_default());
        break;
    case BR_KEYTYPE_RSA:
        br_ssl_client_set_single_rsa(&cc, chain, chain_len, br_skey_decoder_get_rsa(&skdc), br_rsa_pkcs1_sign_get_default());
        break;
    default: {
        char t[160];
        return result_fail(-1, "load-key %s: %s%s", opt.key, br_error_text(kerr ? kerr : BR_ERR_BAD_PARAM, t, sizeof t),
                           is_pem(kd, kn) ? " (this is PEM; BearSSL wants DER)" : "");
    }
    }
    LOG("[httpUpdate] %d trust anchor(s); follow redirects: %s", (int)n_anchors, opt.follow ? "HTTPC_STRICT_FOLLOW_REDIRECTS" : "HTTPC_DISABLE_FOLLOW_REDIRECTS");

    int code = http_get(&u);
    if (code < 0) {
        tls_close();
        return 1; /* RESULT printed */
    }
    long long len = resp.content_length;
    LOG("[httpUpdate] Header read fin.");
    LOG("[httpUpdate] Server header:");
    LOG("[httpUpdate]  - code: %d", code);
    LOG("[httpUpdate]  - len: %lld", len);
    if (resp.x_md5[0]) LOG("[httpUpdate]  - MD5: %s", resp.x_md5);

    int status = 1;
    switch (code) {
    case 200: {
        if (len <= 0) {
            LOG("[httpUpdate] Content-Length was 0 or wasn't set by Server?!");
            status = result_fail(HTTP_UE_SERVER_NOT_REPORT_SIZE, "Server Did Not Report Size");
            break;
        }
        if (len > opt.free_space) {
            LOG("[httpUpdate] FreeSketchSpace to low (%lld) needed: %lld", opt.free_space, len);
            status = result_fail(HTTP_UE_TOO_LESS_SPACE, "Not Enough space");
            break;
        }
        const char *md5 = opt.md5 ? opt.md5 : resp.x_md5[0] ? resp.x_md5 : NULL; /* setMD5sum, else x-MD5 */
        if (md5 && strlen(md5) != 32) {
            LOG("[httpUpdate] Update.setMD5 failed! (%s)", md5);
            status = result_fail(HTTP_UE_SERVER_FAULTY_MD5, "Wrong MD5 (%s)", md5);
            break;
        }
        br_md5_context m;
        br_md5_init(&m);
        static uint8_t buf[4096];
        long long got = 0;
        size_t pending = resp.extra_len;
        const uint8_t *p = resp.extra;
        while (got < len) {
            if (pending == 0) {
                long long want = len - got < (long long)sizeof buf ? len - got : (long long)sizeof buf;
                int r = tls_read_some(buf, (size_t)want);
                if (r <= 0) break;
                p = buf;
                pending = (size_t)r;
            }
            size_t c = pending;
            if ((long long)c > len - got) c = (size_t)(len - got);
            if (got == 0 && p[0] != ESP_IMAGE_MAGIC && p[0] != 0x1F) {
                LOG("[httpUpdate] Magic header does not start with 0xE9 (0x%02x)", p[0]);
                tls_close();
                return result_fail(HTTP_UE_BIN_VERIFY_HEADER_FAILED, "Verify Bin Header Failed (byte0=0x%02x)", p[0]);
            }
            br_md5_update(&m, p, c);
            got += (long long)c;
            p += c;
            pending -= c;
        }
        tls_close();
        if (got < len) {
            LOG("[httpUpdate] Update.writeStream failed! (%lld of %lld bytes)", got, len);
            status = result_fail(UPDATE_ERROR_STREAM, "Stream Read Timeout (%lld of %lld bytes)", got, len);
            break;
        }
        uint8_t d[16];
        char hexd[33];
        br_md5_out(&m, d);
        to_hex(hexd, d, 16);
        if (md5 && strcasecmp(md5, hexd) != 0) {
            LOG("MD5 verification failed: expected: %s, calculated: %s", md5, hexd);
            LOG("[httpUpdate] Update.end failed! (MD5 verification failed: expected: %s, calculated: %s)", md5, hexd);
            status = result_fail(UPDATE_ERROR_MD5, "MD5 verification failed: expected: %s, calculated: %s", md5, hexd);
            break;
        }
        LOG("[httpUpdate] Update ok%s", md5 ? "" : " (no MD5 to check)");
        printf("RESULT ok bytes=%lld md5=%s\n", got, hexd);
        status = 0;
        break;
    }
    case 304:
        LOG("[httpUpdate] Server returned 304: HTTP_UPDATE_NO_UPDATES");
        status = result_fail(0, "HTTP_UPDATE_NO_UPDATES");
        break;
    case 403:
        status = result_fail(HTTP_UE_SERVER_FORBIDDEN, "Forbidden (403)");
        break;
    case 404:
        status = result_fail(HTTP_UE_SERVER_FILE_NOT_FOUND, "File Not Found (404)");
        break;
    case 401:
        status = result_fail(HTTP_UE_SERVER_UNAUTHORIZED, "Unauthorized (401)");
        break;
    default:
        LOG("[httpUpdate] HTTP Code is (%d)", code);
        status = result_fail(HTTP_UE_SERVER_WRONG_HTTP_CODE, "Wrong HTTP Code (%d)", code);
        break;
    }
    tls_close();
    return status;

usage:
    fprintf(stderr,
            "usage: bearssl_httpupdate --url https://HOST:PORT/ota/update[?...] --ca ROOT.der [--ca ROOT2.der]...\n"
            "         --cert CERT.der [--chain INTERMEDIATE.der]... --key KEY.der\n"
            "         [--follow] [--version V] [--md5 HEX] [--free-space BYTES]\n");
    return 2;
}
