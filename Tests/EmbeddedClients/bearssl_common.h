/*
 * What the BearSSL test clients (bearssl_client.c, bearssl_httpupdate.c) share: BearSSL's error names, and the
 * DER decoding of trust anchors and certificate chains. The includer declares `static int last_errno;` and
 * includes client_common.h (alert_name) first. Functions a client does not use are marked unused, so
 * -Wall -Wextra -Werror holds for every client and every build mode.
 */
#ifndef BEARSSL_COMMON_H
#define BEARSSL_COMMON_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bearssl.h>

#define BEARSSL_SHARED __attribute__((unused)) static

#define E(x) { x, #x }
static const struct { int code; const char *name; } errors[] = {
    E(BR_ERR_OK), E(BR_ERR_BAD_PARAM), E(BR_ERR_BAD_STATE), E(BR_ERR_UNSUPPORTED_VERSION),
    E(BR_ERR_BAD_VERSION), E(BR_ERR_BAD_LENGTH), E(BR_ERR_TOO_LARGE), E(BR_ERR_BAD_MAC),
    E(BR_ERR_NO_RANDOM), E(BR_ERR_UNKNOWN_TYPE), E(BR_ERR_UNEXPECTED), E(BR_ERR_BAD_CCS),
    E(BR_ERR_BAD_ALERT), E(BR_ERR_BAD_HANDSHAKE), E(BR_ERR_OVERSIZED_ID), E(BR_ERR_BAD_CIPHER_SUITE),
    E(BR_ERR_BAD_COMPRESSION), E(BR_ERR_BAD_FRAGLEN), E(BR_ERR_BAD_SECRENEG), E(BR_ERR_EXTRA_EXTENSION),
    E(BR_ERR_BAD_SNI), E(BR_ERR_BAD_HELLO_DONE), E(BR_ERR_LIMIT_EXCEEDED), E(BR_ERR_BAD_FINISHED),
    E(BR_ERR_RESUME_MISMATCH), E(BR_ERR_INVALID_ALGORITHM), E(BR_ERR_BAD_SIGNATURE),
    E(BR_ERR_WRONG_KEY_USAGE), E(BR_ERR_NO_CLIENT_AUTH), E(BR_ERR_IO),
    E(BR_ERR_X509_INVALID_VALUE), E(BR_ERR_X509_TRUNCATED), E(BR_ERR_X509_EMPTY_CHAIN),
    E(BR_ERR_X509_INNER_TRUNC), E(BR_ERR_X509_BAD_TAG_CLASS), E(BR_ERR_X509_BAD_TAG_VALUE),
    E(BR_ERR_X509_INDEFINITE_LENGTH), E(BR_ERR_X509_EXTRA_ELEMENT), E(BR_ERR_X509_UNEXPECTED),
    E(BR_ERR_X509_NOT_CONSTRUCTED), E(BR_ERR_X509_NOT_PRIMITIVE), E(BR_ERR_X509_PARTIAL_BYTE),
    E(BR_ERR_X509_BAD_BOOLEAN), E(BR_ERR_X509_OVERFLOW), E(BR_ERR_X509_BAD_DN), E(BR_ERR_X509_BAD_TIME),
    E(BR_ERR_X509_UNSUPPORTED), E(BR_ERR_X509_LIMIT_EXCEEDED), E(BR_ERR_X509_WRONG_KEY_TYPE),
    E(BR_ERR_X509_BAD_SIGNATURE), E(BR_ERR_X509_TIME_UNKNOWN), E(BR_ERR_X509_EXPIRED),
    E(BR_ERR_X509_DN_MISMATCH), E(BR_ERR_X509_BAD_SERVER_NAME), E(BR_ERR_X509_CRITICAL_EXTENSION),
    E(BR_ERR_X509_NOT_CA), E(BR_ERR_X509_FORBIDDEN_KEY_USAGE), E(BR_ERR_X509_WEAK_PUBLIC_KEY),
    E(BR_ERR_X509_NOT_TRUSTED),
};

/* "62 BR_ERR_X509_NOT_TRUSTED", "296 BR_ERR_RECV_FATAL_ALERT+40 (received alert handshake_failure)" */
BEARSSL_SHARED const char *br_error_text(int err, char *buf, size_t cap)
{
    if (err >= BR_ERR_RECV_FATAL_ALERT) {
        int sent = err >= BR_ERR_SEND_FATAL_ALERT;
        int alert = err - (sent ? BR_ERR_SEND_FATAL_ALERT : BR_ERR_RECV_FATAL_ALERT);
        snprintf(buf, cap, "%d %s+%d (%s alert %s)", err, sent ? "BR_ERR_SEND_FATAL_ALERT" : "BR_ERR_RECV_FATAL_ALERT",
                 alert, sent ? "sent" : "received", alert_name(alert));
        return buf;
    }
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++)
        if (errors[i].code == err) {
            if (err == BR_ERR_IO && last_errno)
                snprintf(buf, cap, "%d %s (errno %d %s)", err, errors[i].name, last_errno,
                         last_errno == EAGAIN ? "timed out after 10 s" : strerror(last_errno));
            else
                snprintf(buf, cap, "%d %s", err, errors[i].name);
            return buf;
        }
    snprintf(buf, cap, "%d (unknown BearSSL error)", err);
    return buf;
}

BEARSSL_SHARED int is_pem(const unsigned char *d, size_t n)
{
    return n >= 10 && memcmp(d, "-----BEGIN", 10) == 0;
}

/* A whole file into memory (never freed: the clients run once). Returns 0, or -1 with errno set. */
BEARSSL_SHARED int read_whole_file(const char *path, unsigned char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    for (;;) {
        if (n == cap) buf = realloc(buf, cap *= 2);
        size_t r = fread(buf + n, 1, cap - n, f);
        if (r == 0) break;
        n += r;
    }
    fclose(f);
    *data = buf;
    *len = n;
    return 0;
}

/* Length of the DER element at p (tag + length + value), or 0 if malformed. */
BEARSSL_SHARED size_t der_element_len(const unsigned char *p, size_t n)
{
    if (n < 2 || p[0] != 0x30) return 0;
    if (p[1] < 0x80) return 2u + p[1] <= n ? 2u + p[1] : 0;
    size_t k = p[1] & 0x7f, len = 0;
    if (k == 0 || k > 3 || n < 2 + k) return 0;
    for (size_t i = 0; i < k; i++) len = (len << 8) | p[2 + i];
    return 2 + k + len <= n ? 2 + k + len : 0;
}

struct dn_buf { unsigned char *p; size_t len, cap; };

BEARSSL_SHARED void dn_append(void *ctx, const void *buf, size_t len)
{
    struct dn_buf *dn = ctx;
    if (dn->len + len > dn->cap) {
        dn->cap = (dn->len + len) * 2;
        dn->p = realloc(dn->p, dn->cap);
    }
    memcpy(dn->p + dn->len, buf, len);
    dn->len += len;
}

BEARSSL_SHARED unsigned char *dup_bytes(const unsigned char *p, size_t n)
{
    unsigned char *d = malloc(n ? n : 1);
    memcpy(d, p, n);
    return d;
}

/* The trust anchor of one DER certificate, as brssl ta and the ESP8266 cert tool make it: 0, or BearSSL's error. */
BEARSSL_SHARED int anchor_from_der(const unsigned char *d, size_t n, br_x509_trust_anchor *a)
{
    br_x509_decoder_context dc;
    struct dn_buf dn = { NULL, 0, 0 };
    br_x509_decoder_init(&dc, dn_append, &dn);
    br_x509_decoder_push(&dc, d, n);
    const br_x509_pkey *pk = br_x509_decoder_get_pkey(&dc);
    if (pk == NULL) {
        int err = br_x509_decoder_last_error(&dc);
        return err ? err : BR_ERR_X509_TRUNCATED;
    }
    a->dn.data = dn.p;
    a->dn.len = dn.len;
    a->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
    a->pkey.key_type = pk->key_type;
    if (pk->key_type == BR_KEYTYPE_RSA) {
        a->pkey.key.rsa.n = dup_bytes(pk->key.rsa.n, pk->key.rsa.nlen);
        a->pkey.key.rsa.nlen = pk->key.rsa.nlen;
        a->pkey.key.rsa.e = dup_bytes(pk->key.rsa.e, pk->key.rsa.elen);
        a->pkey.key.rsa.elen = pk->key.rsa.elen;
    } else {
        a->pkey.key.ec.curve = pk->key.ec.curve;
        a->pkey.key.ec.q = dup_bytes(pk->key.ec.q, pk->key.ec.qlen);
        a->pkey.key.ec.qlen = pk->key.ec.qlen;
    }
    return 0;
}

/* The certificates of a DER file (one, or several concatenated) appended to chain[*len] (at most cap):
 * 0, 1 when the file is not DER, 2 when there are too many, -1 when it cannot be read (errno). */
BEARSSL_SHARED int append_der_certs(const char *path, br_x509_certificate *chain, size_t *len, size_t cap,
                                    const unsigned char **bad, size_t *bad_len)
{
    unsigned char *d;
    size_t n;
    if (read_whole_file(path, &d, &n)) return -1;
    while (n > 0) {
        size_t l = der_element_len(d, n);
        if (l == 0) {
            *bad = d;
            *bad_len = n;
            return 1;
        }
        if (*len == cap) return 2;
        chain[*len].data = d;
        chain[*len].data_len = l;
        (*len)++;
        d += l;
        n -= l;
    }
    return 0;
}

/* The socket callbacks of br_sslio_init: the socket is *ctx; the last errno is kept for the error text. */
BEARSSL_SHARED int sock_read(void *ctx, unsigned char *buf, size_t len)
{
    for (;;) {
        ssize_t r = read(*(int *)ctx, buf, len);
        if (r > 0) return (int)r;
        if (r == 0) { last_errno = 0; return -1; }
        if (errno == EINTR) continue;
        last_errno = errno;
        return -1;
    }
}

BEARSSL_SHARED int sock_write(void *ctx, const unsigned char *buf, size_t len)
{
    for (;;) {
        ssize_t r = write(*(int *)ctx, buf, len);
        if (r > 0) return (int)r;
        if (r < 0 && errno == EINTR) continue;
        last_errno = r < 0 ? errno : 0;
        return -1;
    }
}

#endif
