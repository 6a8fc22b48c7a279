/* The part the three embedded-stack clients share: arguments, the socket, the MQTT 3.1.1 packets and the
 * result line. Each client defines STACK and includes this after its library's headers. */
#ifndef CLIENT_COMMON_H
#include <ctype.h>
#define CLIENT_COMMON_H


#define IO_TIMEOUT_S 10

enum { MODE_ECHO = 1, MODE_MQTT = 2, MODE_HTTPS = 3 };

struct options {
    const char *host, *expect_name, *ca, *cert, *key, *client_id, *topic;
    const char *alpn; /* one ALPN protocol to offer (--alpn, where the client defines HAVE_ALPN_OPTION) */
    const char *chain[8];
    int n_chain, port, mode, no_client_cert, header_der;
    int payload;  /* --payload N: the exchange carries N bytes each way (echo: N bytes back; mqtt: subscribe, publish N, receive them) */
    int buffers;  /* --buffers N: TLS record buffers of N bytes (BearSSL setBufferSizes(N, N): asks for max_fragment_length N) */
    int max_frag; /* --max-frag N: ask for max_fragment_length N (512, 1024, 2048, 4096; mbedTLS) */
};

static struct options o;
static int g_tls13;        /* the session negotiated TLS 1.3 */
static int g_got_app_data; /* some application data has been read */

static void usage(const char *msg)
{
    if (msg)
        fprintf(stderr, "%s_client: %s\n", STACK, msg);
    fprintf(stderr,
            "usage: %s_client --host NAME --port N --mode echo|mqtt|https\n"
            "         [--expect-name NAME] [--ca FILE] [--cert FILE] [--key FILE]\n"
            "         [--no-client-cert] [--client-id ID] [--topic T] [--payload N]%s%s\n",
            STACK,
#if defined(HAVE_CHAIN_OPTION)
            "\n         [--chain FILE]..."
#elif defined(LAB_HEADER)
            "\n         [--header-der]"
#else
            ""
#endif
#ifdef HAVE_ALPN_OPTION
            "\n         [--alpn PROTOCOL]"
#endif
            ,
#if defined(HAVE_BUFFERS_OPTION)
            " [--buffers N]"
#elif defined(HAVE_MAX_FRAG_OPTION)
            " [--max-frag 512|1024|2048|4096]"
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
#ifdef HAVE_ALPN_OPTION
        else if (!strcmp(a, "--alpn")) dst = &o.alpn;
#endif
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
        } else if (!strcmp(a, "--payload") || !strcmp(a, "--buffers") || !strcmp(a, "--max-frag")) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*v == '\0' || *end != '\0' || n < 1 || n > 65536) usage("--payload, --buffers and --max-frag take 1..65536");
            if (!strcmp(a, "--payload")) o.payload = (int)n;
            else if (!strcmp(a, "--buffers")) o.buffers = (int)n;
            else o.max_frag = (int)n;
            continue;
        } else if (!strcmp(a, "--mode")) {
            if (!strcmp(v, "echo")) o.mode = MODE_ECHO;
            else if (!strcmp(v, "mqtt")) o.mode = MODE_MQTT;
            else if (!strcmp(v, "https")) o.mode = MODE_HTTPS;
            else usage("--mode must be echo, mqtt or https");
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

/* --payload: N bytes of a-z, the same every run. */
static uint8_t g_payload[65536], g_big[65536 + 600];

static void fill_payload(void)
{
    for (int i = 0; i < o.payload; i++) g_payload[i] = (uint8_t)('a' + i % 26);
}

/* One MQTT packet: its first byte, and its body into g_big. */
static int read_packet(uint8_t *first, size_t *length)
{
    uint8_t b;
    size_t n = 0, multiplier = 1;
    if (tls_read_exact(first, 1)) return -1;
    do {
        if (tls_read_exact(&b, 1)) return -1;
        n += (size_t)(b & 127) * multiplier;
        multiplier *= 128;
    } while ((b & 128) && multiplier <= 128 * 128 * 128);
    if (n > sizeof g_big) {
        printf("fail %s mqtt: a packet of %zu bytes\n", STACK, n);
        return -1;
    }
    if (n && tls_read_exact(g_big, n)) return -1;
    *length = n;
    return 0;
}

/* --payload in mqtt mode: subscribe to --topic, publish N bytes there at QoS 1, and read until both the PUBACK
 * and the broker's delivery of those N bytes arrived (the delivery is a record larger than N). */
static int mqtt_round_trip(uint8_t *buf)
{
    size_t b = 0, h, length;
    uint8_t first;
    uint8_t body[400];
    /* SUBSCRIBE packet id 2, QoS 0 */
    body[b++] = 0x00;
    body[b++] = 0x02;
    b += put_string(body + b, o.topic);
    body[b++] = 0x00;
    buf[0] = 0x82;
    h = 1 + put_remaining_length(buf + 1, b);
    memcpy(buf + h, body, b);
    if (tls_write_all(buf, h + b)) return -1;
    if (read_packet(&first, &length)) return -1;
    if (first != 0x90 || length != 3 || g_big[2] != 0x00) {
        printf("fail %s suback: packet 0x%02x of %zu bytes, code 0x%02x\n", STACK, first, length, length > 2 ? g_big[2] : 0);
        return -1;
    }
    /* PUBLISH QoS 1, packet id 1, N bytes */
    fill_payload();
    b = put_string(g_big + 8, o.topic);
    g_big[8 + b++] = 0x00;
    g_big[8 + b++] = 0x01;
    memcpy(g_big + 8 + b, g_payload, (size_t)o.payload);
    b += (size_t)o.payload;
    uint8_t header[8];
    header[0] = 0x32;
    h = 1 + put_remaining_length(header + 1, b);
    memcpy(g_big + 8 - h, header, h);
    if (tls_write_all(g_big + 8 - h, h + b)) return -1;
    int acked = 0, delivered = 0;
    while (!acked || !delivered) {
        if (read_packet(&first, &length)) return -1;
        if (first == 0x40 && length == 2 && g_big[0] == 0x00 && g_big[1] == 0x01) {
            acked = 1;
        } else if ((first & 0xF0) == 0x30 && length >= 2) {
            size_t topic = ((size_t)g_big[0] << 8 | g_big[1]) + 2 + ((first & 0x06) ? 2 : 0);
            if (length - topic != (size_t)o.payload || memcmp(g_big + topic, g_payload, (size_t)o.payload) != 0) {
                printf("fail %s mqtt: the delivery carried %zu bytes, not the %d published\n", STACK, length - topic, o.payload);
                return -1;
            }
            delivered = 1;
        } else {
            printf("fail %s mqtt: unexpected packet 0x%02x of %zu bytes\n", STACK, first, length);
            return -1;
        }
    }
    static const uint8_t disconnect[2] = { 0xE0, 0x00 };
    return tls_write_all(disconnect, sizeof disconnect);
}

/* --mode https: GET / over HTTP/1.1 and read the whole answer (its Content-Length), as an ESP8266 HTTPClient does. */
static int https_get(void)
{
    char request[400], head[4096];
    int n = snprintf(request, sizeof request, "GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s_client\r\nConnection: close\r\n\r\n",
                     o.host, STACK);
    if (tls_write_all((const uint8_t *)request, (size_t)n)) return -1;
    size_t k = 0;
    while (k < sizeof head - 1) {
        if (tls_read_exact((uint8_t *)head + k, 1)) return -1;
        k++;
        if (k >= 4 && memcmp(head + k - 4, "\r\n\r\n", 4) == 0) break;
    }
    head[k] = '\0';
    if (strncmp(head, "HTTP/1.1 200", 12) != 0) {
        printf("fail %s https: %.60s\n", STACK, head);
        return -1;
    }
    size_t length = 0;
    int found = 0;
    for (char *p = head; *p; p++) {
        if (*p == '\n' && (p[1] == 'c' || p[1] == 'C') && strlen(p + 1) > 15) {
            char name[16];
            for (int i = 0; i < 15; i++) name[i] = (char)tolower((unsigned char)p[1 + i]);
            name[15] = '\0';
            if (strcmp(name, "content-length:") == 0) { length = strtoul(p + 16, NULL, 10); found = 1; }
        }
    }
    if (!found || length > sizeof g_big) {
        printf("fail %s https: no usable Content-Length in %.200s\n", STACK, head);
        return -1;
    }
    if (length && tls_read_exact(g_big, length)) return -1;
    printf("https %s status=200 body=%zu\n", STACK, length);
    return 0;
}

/* The application exchange of --mode; returns 0 or prints a fail line. */
static int run_exchange(void)
{
    uint8_t buf[1024];
    if (o.mode == MODE_HTTPS) return https_get();
    if (o.mode == MODE_ECHO && o.payload) {
        fill_payload();
        if (tls_write_all(g_payload, (size_t)o.payload)) return -1;
        if (tls_read_exact(g_big, (size_t)o.payload)) return -1;
        if (memcmp(g_big, g_payload, (size_t)o.payload) != 0) {
            printf("fail %s echo: sent %d bytes, got back different bytes\n", STACK, o.payload);
            return -1;
        }
        return 0;
    }
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
    if (o.payload) return mqtt_round_trip(buf);

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

#endif
