/* What the two OTA clients (mbedtls_ota.c, bearssl_httpupdate.c) share: https URLs, the TCP connection with
 * 10 s timeouts, reading an HTTP/1.x response head through the client's TLS read function, the ESP image
 * header and the log lines' clock. The TLS alert names come from client_common.h (its MQTT/echo part is
 * unused here). Each client defines STACK, tls_write_all and tls_read_exact (as client_common.h expects)
 * and includes this after its library's headers. */
#ifndef OTA_COMMON_H
#define OTA_COMMON_H

#include <ctype.h>
#include <time.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-variable"
#include "client_common.h"
#pragma GCC diagnostic pop

/* Each client uses some of these. */
#define OTA_HELPER static __attribute__((unused))

#define OTA_MAX_URL 8192
#define OTA_MAX_HEAD 16384
#define OTA_MAX_REDIRECTS 10

struct url {
    char host[256];
    int port;
    char target[OTA_MAX_URL]; /* path and query, as sent in the request line */
};

/* https://host[:port]/path?query (also [v6]:port). Returns 0, or -1 for anything else (a relative Location,
 * http://). */
OTA_HELPER int parse_url(const char *s, struct url *u)
{
    const char *p;
    memset(u, 0, sizeof *u);
    if (strncasecmp(s, "https://", 8) != 0) return -1;
    p = s + 8;
    const char *host_end;
    if (*p == '[') {
        host_end = strchr(p, ']');
        if (!host_end) return -1;
        p++;
    } else {
        host_end = p + strcspn(p, ":/?#");
    }
    size_t hl = (size_t)(host_end - p);
    if (hl == 0 || hl >= sizeof u->host) return -1;
    memcpy(u->host, p, hl);
    p = host_end + (*host_end == ']');
    u->port = 443;
    if (*p == ':') {
        char *end;
        long port = strtol(p + 1, &end, 10);
        if (end == p + 1 || port < 1 || port > 65535) return -1;
        u->port = (int)port;
        p = end;
    }
    if (*p == '\0') p = "/";
    if (*p != '/' && *p != '?') return -1;
    size_t tl = strcspn(p, "#");
    if (tl + 2 >= sizeof u->target) return -1;
    if (*p == '?') u->target[0] = '/';
    strncat(u->target, p, tl);
    return 0;
}

/* The Host header's value: the port only when it is not 443, as esp_http_client and ESP8266HTTPClient write it. */
OTA_HELPER void host_header(const struct url *u, char *out, size_t cap)
{
    const char *fmt = strchr(u->host, ':') ? "[%s]" : "%s";
    int n = snprintf(out, cap, fmt, u->host);
    if (u->port != 443 && n > 0 && (size_t)n < cap) snprintf(out + n, cap - (size_t)n, ":%d", u->port);
}

/* Milliseconds since the client started, for the ESP-IDF-like "I (1234) tag: ..." lines. */
OTA_HELPER long long ms_since_start(void)
{
    static struct timespec t0;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (t0.tv_sec == 0 && t0.tv_nsec == 0) t0 = now;
    return (long long)(now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
}

/* TCP connection to host:port with 10 s send/receive (and connect) timeouts; errno-like code in *err on failure. */
OTA_HELPER int tcp_dial(const char *host, int port, int *err, const char **what)
{
    struct addrinfo hints, *res, *ai;
    char ps[8];
    int fd = -1;
    *err = 0;
    *what = "connect";
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(ps, sizeof ps, "%d", port);
    int rc = getaddrinfo(host, ps, &hints, &res);
    if (rc != 0) {
        *err = rc;
        *what = gai_strerror(rc);
        return -1;
    }
    for (ai = res; ai; ai = ai->ai_next) {
        struct timeval tv = { IO_TIMEOUT_S, 0 };
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) { *err = errno; continue; }
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
        *err = errno;
        *what = strerror(errno);
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* One HTTP response head, and the body bytes that came with it. */
struct http_response {
    int status;
    long long content_length; /* -1 when absent */
    char location[OTA_MAX_URL];
    char x_md5[80];
    char content_range[128];
    char content_type[128];
    char head[OTA_MAX_HEAD + 1];
    size_t head_len;
    uint8_t extra[OTA_MAX_HEAD];
    size_t extra_len; /* body bytes read together with the head */
};

/* Case-insensitive "Name: value" lookup in a response head; copies the value (trimmed) into out. */
OTA_HELPER int header_value(const char *head, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    const char *line = strstr(head, "\r\n");
    while (line && line[2] != '\0' && !(line[2] == '\r' && line[3] == '\n')) {
        line += 2;
        const char *end = strstr(line, "\r\n");
        if (!end) end = line + strlen(line);
        if ((size_t)(end - line) > nl && strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
            const char *v = line + nl + 1;
            while (v < end && (*v == ' ' || *v == '\t')) v++;
            const char *ve = end;
            while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
            size_t vl = (size_t)(ve - v);
            if (vl >= cap) vl = cap - 1;
            memcpy(out, v, vl);
            out[vl] = '\0';
            return 0;
        }
        line = end;
        if (!*end) break;
    }
    return -1;
}

typedef int (*read_some_fn)(uint8_t *p, size_t n); /* >0 bytes, 0 closed, <0 error (already described) */

/* Reads the response head through `rd`. Returns 0; -1 on an error `rd` described; -2 when the connection ended
 * before the head was complete (ESP-IDF: "Complete headers were not received"); -3 on a malformed head. */
OTA_HELPER int read_response_head(read_some_fn rd, struct http_response *r)
{
    size_t n = 0;
    char *end = NULL;
    memset(r, 0, offsetof(struct http_response, head));
    r->content_length = -1;
    while (!end) {
        if (n >= OTA_MAX_HEAD) return -3;
        int got = rd((uint8_t *)r->head + n, OTA_MAX_HEAD - n);
        if (got < 0) return -1;
        if (got == 0) { r->head[n] = '\0'; r->head_len = n; return -2; }
        n += (size_t)got;
        r->head[n] = '\0';
        end = strstr(r->head, "\r\n\r\n");
    }
    size_t hl = (size_t)(end - r->head) + 4;
    r->extra_len = n - hl;
    memcpy(r->extra, r->head + hl, r->extra_len);
    r->head[hl] = '\0';
    r->head_len = hl;
    if (strncmp(r->head, "HTTP/1.", 7) != 0 || strlen(r->head) < 12) return -3;
    r->status = atoi(r->head + 9);
    char v[64];
    if (header_value(r->head, "Content-Length", v, sizeof v) == 0) r->content_length = strtoll(v, NULL, 10);
    header_value(r->head, "Location", r->location, sizeof r->location);
    header_value(r->head, "x-MD5", r->x_md5, sizeof r->x_md5);
    header_value(r->head, "Content-Range", r->content_range, sizeof r->content_range);
    header_value(r->head, "Content-Type", r->content_type, sizeof r->content_type);
    return 0;
}

/* The first line of a response head, for logs. */
OTA_HELPER const char *status_line(const struct http_response *r, char *out, size_t cap)
{
    size_t l = strcspn(r->head, "\r\n");
    if (l >= cap) l = cap - 1;
    memcpy(out, r->head, l);
    out[l] = '\0';
    return out;
}

/* <Code>…</Code> of an S3 XML error body, or "" */
OTA_HELPER void s3_error_code(const char *body, char *out, size_t cap)
{
    out[0] = '\0';
    const char *c = strstr(body, "<Code>");
    if (!c) return;
    c += 6;
    const char *e = strstr(c, "</Code>");
    if (!e) return;
    size_t l = (size_t)(e - c);
    if (l >= cap) l = cap - 1;
    memcpy(out, c, l);
    out[l] = '\0';
}

/* "name": "string" or "name": number from a flat JSON object (the manifest), or -1. */
OTA_HELPER int json_field(const char *json, const char *name, char *out, size_t cap)
{
    char key[80];
    snprintf(key, sizeof key, "\"%s\"", name);
    const char *p = strstr(json, key);
    if (!p) return -1;
    p += strlen(key);
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    if (*p++ != ':') return -1;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    size_t k = 0;
    if (*p == '"') {
        for (p++; *p && *p != '"' && k + 1 < cap; p++) {
            if (*p == '\\' && p[1]) {
                p++;
                if (*p == 'u' && p[1] && p[2] && p[3] && p[4]) { /* \u00XX, enough for a URL */
                    char h[5] = { p[1], p[2], p[3], p[4], 0 };
                    out[k++] = (char)strtol(h, NULL, 16);
                    p += 4;
                    continue;
                }
            }
            out[k++] = *p;
        }
    } else {
        while (*p && *p != ',' && *p != '}' && !isspace((unsigned char)*p) && k + 1 < cap) out[k++] = *p++;
    }
    out[k] = '\0';
    return 0;
}

OTA_HELPER void to_hex(char *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", p[i]);
    out[2 * n] = '\0';
}

/* The ESP image header as esp_https_ota/Update read it: byte 0 = 0xE9 (ESP_IMAGE_HEADER_MAGIC); the
 * esp_app_desc_t at 32 (24-byte image header + 8-byte segment header) with magic_word 0xABCD5432 and
 * version[32] at 48. */
#define ESP_IMAGE_MAGIC 0xE9
#define ESP_APP_DESC_MAGIC 0xABCD5432u
#define ESP_APP_DESC_OFFSET 32
#define ESP_APP_VERSION_OFFSET 48
#define ESP_IMAGE_HEAD_BYTES 289 /* what esp_https_ota (v4.4) reads before it looks */

OTA_HELPER uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Base64 (RFC 4648) for Authorization: Basic. */
OTA_HELPER void base64(char *out, const uint8_t *in, size_t n)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t k = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
        out[k++] = t[v >> 18 & 63];
        out[k++] = t[v >> 12 & 63];
        out[k++] = i + 1 < n ? t[v >> 6 & 63] : '=';
        out[k++] = i + 2 < n ? t[v & 63] : '=';
    }
    out[k] = '\0';
}

#endif
