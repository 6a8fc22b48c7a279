/* The part the three embedded-stack clients share: arguments, the socket, the MQTT 3.1.1 packets and the
 * result line. Each client defines STACK and includes this after its library's headers. */
#ifndef CLIENT_COMMON_H
#define CLIENT_COMMON_H


#define IO_TIMEOUT_S 10

enum { MODE_ECHO = 1, MODE_MQTT = 2 };

struct options {
    const char *host, *expect_name, *ca, *cert, *key, *client_id, *topic;
    const char *alpn; /* one ALPN protocol to offer (--alpn, where the client defines HAVE_ALPN_OPTION) */
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
#ifdef HAVE_ALPN_OPTION
            "\n         [--alpn PROTOCOL]"
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

#endif
