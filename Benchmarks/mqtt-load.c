/*
 * mqtt-load: an MQTT 3.1.1 load client over mutual TLS, on libmosquitto, for
 * Benchmarks/bench-mqtt. The same binary drives every broker, so the client side
 * of each figure is identical.
 *
 *   cc -O2 -o mqtt-load Benchmarks/mqtt-load.c -lmosquitto -lssl -lcrypto
 *
 *   mqtt-load throughput [common] [--qos 0|1] [--publishers N] [--messages M]
 *                        [--seconds S] [--size BYTES] [--inflight W] [--drain S]
 *                        [--e2e-window E]
 *       One subscriber (PREFIX/RUN/#, SUBACK awaited) and N publishers, one
 *       thread each. After every client has its CONNACK (and the subscriber
 *       its SUBACK), the publishers send M messages each (or for S seconds,
 *       whichever ends first) as fast as the socket takes them; at most W
 *       unacknowledged (QoS 1) or unwritten (QoS 0) messages per publisher,
 *       and, with --e2e-window E, at most E messages published but not yet
 *       received in all (a QoS 0 publisher has nothing else to pace it: a broker
 *       that reads faster than it delivers would otherwise queue without bound).
 *       Prints one line:
 *         throughput qos=1 publishers=10 ... sent=.. received=.. lost=..
 *                    seconds=.. rate=.. (rate = received / (last receive - first publish))
 *
 *   mqtt-load connect [common] [--clients N] [--concurrency C] [--threads T]
 *       Connects N clients (TCP + full TLS handshake + CONNECT/CONNACK), at
 *       most C handshakes in flight, keeps them all open until the last
 *       CONNACK, then disconnects them. Prints
 *         connect clients=N seconds=.. rate=.. p50_ms=.. p99_ms=.. ...
 *
 *   mqtt-load idle [common] [--clients N] [--concurrency C] [--threads T] [--hold S]
 *       Connects N clients like `connect`, prints "connected=N seconds=.. rate=.."
 *       and keeps them idle (answering the broker, pinging at the keepalive)
 *       until SIGTERM/SIGINT or S seconds; then prints "held=.. lost=.." and
 *       disconnects. Exit 1 if any connection was lost. libmosquitto holds 3
 *       descriptors per client (the socket and an internal socketpair), so one
 *       process takes about (ulimit -n - 64) / 3 clients; run several for more.
 *
 *   common: --port P (required) --host H (default localhost; also the name the
 *       server certificate is checked against, unless --tls-name NAME)
 *       --cafile F (required) --cert F --key F (the client certificate chain
 *       and key; both or neither) --keepalive S (default 600) --id-prefix S
 *       (default "bench": client ids bench-sub, bench-pub-3, bench-conn-17,
 *       bench-idle-1234) --timeout S (connect/subscribe/ack timeout, default 30)
 *
 * One SSL_CTX (cafile, client chain and key loaded once, server certificate
 * and name verified) is shared by every connection (MOSQ_OPT_SSL_CTX), so 10,000
 * clients do not load 10,000 copies of the files; every connection still does a
 * full handshake (no session resumption). Sockets are driven with poll/epoll and
 * mosquitto_loop_read/_write/_misc (mosquitto_loop uses select(), which cannot
 * take descriptors above 1023). Any failure (refused TCP connection, TLS error,
 * CONNACK refusal, SUBACK failure, lost connection, lost QoS 1 message) ends
 * the run with a message on stderr and exit status 1; usage errors exit 64.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define PROG "mqtt-load"
#define PAYLOAD_HEADER 12 /* u32 publisher index + u64 sequence number, little endian */

/* ------------------------------------------------------------------------- */
/* options */

struct opts {
	const char *cmd;
	const char *host, *tls_name, *cafile, *cert, *key, *prefix;
	int port, keepalive;
	double timeout;
	/* throughput */
	int qos, publishers, size, inflight;
	long messages, e2e_window;
	double seconds, drain;
	/* connect, idle */
	int clients, concurrency, threads;
	double hold;
};

static struct opts O = {
	.host = "localhost", .prefix = "bench", .port = 0, .keepalive = 600, .timeout = 30,
	.qos = 0, .publishers = 1, .size = 64, .inflight = -1, .messages = -1, .seconds = 0, .drain = 5,
	.clients = 1000, .concurrency = 32, .threads = 1, .hold = 60,
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " throughput|connect|idle --port P --cafile F [--cert F --key F] [options]\n"
		"  common:     --host H (localhost)  --tls-name NAME (= host)  --keepalive S (600)\n"
		"              --id-prefix S (bench)  --timeout S (30)\n"
		"  throughput: --qos 0|1 (0)  --publishers N (1)  --messages M per publisher (10000, or\n"
		"              unlimited with --seconds)  --seconds S (0: no limit)  --size BYTES (64)\n"
		"              --inflight W (QoS 1: 20, QoS 0: 1000)  --drain S (5)\n"
		"              --e2e-window E (0: off; else publishers pause while E messages are\n"
		"              published but not yet received)\n"
		"  connect:    --clients N (1000)  --concurrency C (32)  --threads T (1)\n"
		"  idle:       as connect, plus --hold S (60)\n");
}

static void vsay(const char *fmt, va_list ap)
{
	fputs(PROG ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void die_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	usage(stderr);
	exit(64);
}

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	exit(1);
}

static long parse_long(const char *name, const char *v, long lo, long hi)
{
	char *end;
	errno = 0;
	long x = strtol(v, &end, 10);
	if(errno || end == v || *end || x < lo || x > hi){
		die_usage("%s must be an integer in %ld..%ld (got \"%s\")", name, lo, hi, v);
	}
	return x;
}

static double parse_double(const char *name, const char *v, double lo, double hi)
{
	char *end;
	errno = 0;
	double x = strtod(v, &end);
	if(errno || end == v || *end || !(x >= lo && x <= hi)){
		die_usage("%s must be a number in %g..%g (got \"%s\")", name, lo, hi, v);
	}
	return x;
}

static void parse_args(int argc, char **argv)
{
	if(argc < 2) die_usage("missing subcommand");
	if(!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")){
		usage(stdout);
		exit(0);
	}
	O.cmd = argv[1];
	if(strcmp(O.cmd, "throughput") && strcmp(O.cmd, "connect") && strcmp(O.cmd, "idle")){
		die_usage("unknown subcommand \"%s\"", O.cmd);
	}
	for(int i = 2; i < argc; i++){
		char *a = argv[i], *v = NULL, *eq;
		if(strncmp(a, "--", 2)) die_usage("unexpected argument \"%s\"", a);
		if(!strcmp(a, "--help")){
			usage(stdout);
			exit(0);
		}
		if((eq = strchr(a, '='))){
			*eq = '\0';
			v = eq + 1;
		}else{
			if(i + 1 >= argc) die_usage("%s needs a value", a);
			v = argv[++i];
		}
		if(!strcmp(a, "--host")) O.host = v;
		else if(!strcmp(a, "--tls-name")) O.tls_name = v;
		else if(!strcmp(a, "--port")) O.port = (int)parse_long(a, v, 1, 65535);
		else if(!strcmp(a, "--cafile")) O.cafile = v;
		else if(!strcmp(a, "--cert")) O.cert = v;
		else if(!strcmp(a, "--key")) O.key = v;
		else if(!strcmp(a, "--keepalive")) O.keepalive = (int)parse_long(a, v, 5, 65535);
		else if(!strcmp(a, "--id-prefix")) O.prefix = v;
		else if(!strcmp(a, "--timeout")) O.timeout = parse_double(a, v, 0.1, 3600);
		else if(!strcmp(a, "--qos")) O.qos = (int)parse_long(a, v, 0, 1);
		else if(!strcmp(a, "--publishers")) O.publishers = (int)parse_long(a, v, 1, 1000);
		else if(!strcmp(a, "--messages")) O.messages = parse_long(a, v, 1, LONG_MAX / 2);
		else if(!strcmp(a, "--seconds")) O.seconds = parse_double(a, v, 0, 3600);
		else if(!strcmp(a, "--size")) O.size = (int)parse_long(a, v, 0, 256 * 1024 * 1024);
		else if(!strcmp(a, "--inflight")) O.inflight = (int)parse_long(a, v, 1, 65535);
		else if(!strcmp(a, "--drain")) O.drain = parse_double(a, v, 0.1, 3600);
		else if(!strcmp(a, "--e2e-window")) O.e2e_window = parse_long(a, v, 0, LONG_MAX / 2);
		else if(!strcmp(a, "--clients")) O.clients = (int)parse_long(a, v, 1, 1000000);
		else if(!strcmp(a, "--concurrency")) O.concurrency = (int)parse_long(a, v, 1, 100000);
		else if(!strcmp(a, "--threads")) O.threads = (int)parse_long(a, v, 1, 64);
		else if(!strcmp(a, "--hold")) O.hold = parse_double(a, v, 0, 86400);
		else die_usage("unknown option %s", a);
	}
	if(!O.port) die_usage("--port is required");
	if(!O.cafile) die_usage("--cafile is required");
	if(!O.cert != !O.key) die_usage("--cert and --key go together");
	if(!O.tls_name) O.tls_name = O.host;
	if(O.inflight < 0) O.inflight = O.qos ? 20 : 1000;
	if(O.messages < 0) O.messages = O.seconds > 0 ? LONG_MAX / 2 : 10000;
	if(strlen(O.prefix) > 40) die_usage("--id-prefix is at most 40 characters");
}

/* ------------------------------------------------------------------------- */
/* time, signals */

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double secs(int64_t ns) { return (double)ns / 1e9; }

static volatile sig_atomic_t g_signal = 0;
static void on_signal(int sig) { g_signal = sig; }

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: poll/epoll_wait return EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* TLS writes go through write(2); a reset must not kill us */
}

/* the first failure of a run, reported at its end */
static pthread_mutex_t g_err_mu = PTHREAD_MUTEX_INITIALIZER;
static char g_first_err[700];

static void record_error(const char *fmt, ...)
{
	va_list ap;
	pthread_mutex_lock(&g_err_mu);
	if(!g_first_err[0]){
		va_start(ap, fmt);
		vsnprintf(g_first_err, sizeof(g_first_err), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&g_err_mu);
}

/* ------------------------------------------------------------------------- */
/* TLS: one SSL_CTX for every connection */

static SSL_CTX *g_ctx;

static void tls_die(const char *what, const char *file)
{
	char buf[256];
	unsigned long e = ERR_get_error();
	ERR_error_string_n(e, buf, sizeof(buf));
	die("%s \"%s\": %s", what, file, e ? buf : "unknown OpenSSL error");
}

static void tls_setup(void)
{
	g_ctx = SSL_CTX_new(TLS_client_method());
	if(!g_ctx) die("SSL_CTX_new failed");
	SSL_CTX_set_min_proto_version(g_ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(g_ctx, SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_mode(g_ctx, SSL_MODE_RELEASE_BUFFERS); /* what libmosquitto's own context does */
	SSL_CTX_set_session_cache_mode(g_ctx, SSL_SESS_CACHE_OFF);
	if(SSL_CTX_load_verify_locations(g_ctx, O.cafile, NULL) != 1) tls_die("cannot load CA file", O.cafile);
	SSL_CTX_set_verify(g_ctx, SSL_VERIFY_PEER, NULL);
	X509_VERIFY_PARAM *param = SSL_CTX_get0_param(g_ctx);
	unsigned char addr[16];
	if(inet_pton(AF_INET, O.tls_name, addr) == 1 || inet_pton(AF_INET6, O.tls_name, addr) == 1){
		if(X509_VERIFY_PARAM_set1_ip_asc(param, O.tls_name) != 1) die("bad --tls-name %s", O.tls_name);
	}else{
		X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if(X509_VERIFY_PARAM_set1_host(param, O.tls_name, 0) != 1) die("bad --tls-name %s", O.tls_name);
	}
	if(O.cert){
		if(SSL_CTX_use_certificate_chain_file(g_ctx, O.cert) != 1) tls_die("cannot load client certificate chain", O.cert);
		if(SSL_CTX_use_PrivateKey_file(g_ctx, O.key, SSL_FILETYPE_PEM) != 1) tls_die("cannot load client key", O.key);
		if(SSL_CTX_check_private_key(g_ctx) != 1) tls_die("client key does not match the certificate", O.key);
	}
}

/* ------------------------------------------------------------------------- */
/* one MQTT client */

enum cstate { C_NEW, C_CONNECTING, C_UP, C_FAILED, C_DOWN, C_CLOSED };

struct worker;

struct client {
	struct mosquitto *m;
	char id[64];
	enum cstate state;
	int fd;            /* registered in the worker's epoll, or -1 */
	uint32_t ev;       /* registered events */
	int64_t t_start, t_up;
	int connack;       /* CONNACK return code, -1 until then */
	int granted;       /* SUBACK granted QoS, -1 until then */
	int sub_mid;
	int inflight;      /* publisher window */
	int disc_rc;       /* on_disconnect rc */
	bool disconnected; /* on_disconnect was called */
	char log[240];     /* last error/warning line from libmosquitto */
	struct worker *w;
};

static void cb_log(struct mosquitto *m, void *ud, int level, const char *str)
{
	(void)m;
	struct client *c = ud;
	if(level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING)){
		snprintf(c->log, sizeof(c->log), "%s", str);
	}
}

static void cb_connect(struct mosquitto *m, void *ud, int rc);
static void cb_disconnect(struct mosquitto *m, void *ud, int rc)
{
	(void)m;
	struct client *c = ud;
	c->disconnected = true;
	c->disc_rc = rc;
}

static void cb_publish(struct mosquitto *m, void *ud, int mid)
{
	(void)m;
	(void)mid;
	struct client *c = ud;
	c->inflight--;
}

static void cb_subscribe(struct mosquitto *m, void *ud, int mid, int count, const int *granted)
{
	(void)m;
	struct client *c = ud;
	if(mid == c->sub_mid && count >= 1) c->granted = granted[0];
}

/* Text for a failed libmosquitto call: the error, errno where it matters, and
 * the last error line libmosquitto logged (OpenSSL's reason, for TLS). */
static const char *why(struct client *c, int rc, int saved_errno)
{
	static __thread char buf[512];
	const char *s = mosquitto_strerror(rc);
	if(rc == MOSQ_ERR_ERRNO){
		snprintf(buf, sizeof(buf), "%s", strerror(saved_errno));
	}else if(rc == MOSQ_ERR_EAI){
		snprintf(buf, sizeof(buf), "%s: %s", s, gai_strerror(saved_errno));
	}else if(rc == MOSQ_ERR_CONN_LOST && c->log[0] == '\0'){
		snprintf(buf, sizeof(buf), "%s (the broker closed the connection)", s);
	}else{
		snprintf(buf, sizeof(buf), "%s", s);
	}
	if(c->log[0]){
		size_t n = strlen(buf);
		snprintf(buf + n, sizeof(buf) - n, " [libmosquitto: %s]", c->log);
	}
	return buf;
}

static void client_init(struct client *c, const char *role, int idx)
{
	memset(c, 0, sizeof(*c));
	if(idx >= 0) snprintf(c->id, sizeof(c->id), "%s-%s-%d", O.prefix, role, idx);
	else snprintf(c->id, sizeof(c->id), "%s-%s", O.prefix, role);
	c->fd = -1;
	c->connack = -1;
	c->granted = -1;
	c->state = C_NEW;
	c->m = mosquitto_new(c->id, true, c);
	if(!c->m) die("mosquitto_new(%s): %s", c->id, strerror(errno));
	mosquitto_int_option(c->m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	/* our context as it is: libmosquitto's defaults would want cafile set on every handle */
	mosquitto_int_option(c->m, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
	int rc = mosquitto_void_option(c->m, MOSQ_OPT_SSL_CTX, g_ctx);
	if(rc) die("MOSQ_OPT_SSL_CTX: %s", mosquitto_strerror(rc));
	mosquitto_log_callback_set(c->m, cb_log);
	mosquitto_connect_callback_set(c->m, cb_connect);
	mosquitto_disconnect_callback_set(c->m, cb_disconnect);
}

/* Start the connection: TCP connect (blocking, loopback), then the TLS
 * handshake and CONNECT go on in loop_read/loop_write. */
static int client_start(struct client *c)
{
	c->t_start = now_ns();
	c->state = C_CONNECTING;
	errno = 0;
	int rc = mosquitto_connect(c->m, O.host, O.port, O.keepalive);
	if(rc){
		int e = errno;
		c->state = C_FAILED;
		record_error("%s: cannot connect to %s:%d: %s", c->id, O.host, O.port, why(c, rc, e));
		return rc;
	}
	return 0;
}

/* Read until the socket would block (bounded), write when asked, keepalive.
 * Returns a MOSQ_ERR_* code; on error libmosquitto has closed the socket. */
static int client_io(struct client *c, bool readable, bool writable)
{
	int rc = MOSQ_ERR_SUCCESS;
	if(readable){
		for(int i = 0; i < 64; i++){
			errno = 0;
			rc = mosquitto_loop_read(c->m, 1);
			if(rc || mosquitto_socket(c->m) < 0) break;
			if(errno == EAGAIN || errno == EWOULDBLOCK){
				SSL *ssl = mosquitto_ssl_get(c->m);
				if(!ssl || SSL_pending(ssl) <= 0) break;
			}
		}
		if(rc) return rc;
	}
	if(mosquitto_socket(c->m) < 0) return MOSQ_ERR_CONN_LOST;
	if(writable || mosquitto_want_write(c->m)){
		rc = mosquitto_loop_write(c->m, 1);
		if(rc) return rc;
	}
	if(mosquitto_socket(c->m) < 0) return MOSQ_ERR_CONN_LOST;
	return MOSQ_ERR_SUCCESS;
}

/* poll one client for up to timeout_ms and do its I/O. */
static int client_drive(struct client *c, int timeout_ms)
{
	int fd = mosquitto_socket(c->m);
	if(fd < 0) return MOSQ_ERR_NO_CONN;
	SSL *ssl = mosquitto_ssl_get(c->m);
	if(ssl && SSL_pending(ssl) > 0) timeout_ms = 0;
	struct pollfd p = {.fd = fd, .events = POLLIN | (mosquitto_want_write(c->m) ? POLLOUT : 0)};
	int n = poll(&p, 1, timeout_ms);
	if(n < 0){
		if(errno == EINTR) return MOSQ_ERR_SUCCESS;
		return MOSQ_ERR_ERRNO;
	}
	bool rd = (p.revents & (POLLIN | POLLERR | POLLHUP)) || (ssl && SSL_pending(ssl) > 0);
	int rc = client_io(c, rd, p.revents & POLLOUT);
	if(rc) return rc;
	return mosquitto_loop_misc(c->m);
}

/* Connect one client and wait for its CONNACK (throughput clients). */
static void client_connect_sync(struct client *c)
{
	if(client_start(c)) die("%s", g_first_err);
	int64_t deadline = now_ns() + (int64_t)(O.timeout * 1e9);
	while(c->connack < 0){
		if(g_signal) die("interrupted");
		if(now_ns() > deadline) die("%s: no CONNACK within %gs", c->id, O.timeout);
		int rc = client_drive(c, 100);
		if(rc && c->connack < 0){
			die("%s: connection failed before CONNACK: %s", c->id, why(c, rc, errno));
		}
	}
	if(c->connack != 0){
		die("%s: the broker refused the connection: CONNACK %d (%s)%s%s", c->id, c->connack,
			mosquitto_connack_string(c->connack), c->log[0] ? " [libmosquitto: " : "", c->log[0] ? c->log : "");
	}
}

static const char *tls_desc(struct client *c)
{
	static char buf[160];
	SSL *ssl = mosquitto_ssl_get(c->m);
	if(!ssl) return "tls=none";
	snprintf(buf, sizeof(buf), "tls=%s cipher=%s", SSL_get_version(ssl), SSL_get_cipher_name(ssl));
	return buf;
}

/* ------------------------------------------------------------------------- */
/* connect and idle: many clients per thread on epoll */

struct worker {
	int idx, ep;
	struct client *cl; /* this worker's slice */
	int n, next, conc;
	int connecting, up, failed, down;
	int64_t t_last_up;
	pthread_t th;
};

static atomic_int g_abort;       /* a client failed: every worker stops */
static atomic_int g_up_total;
static pthread_barrier_t g_barrier;
static int64_t g_t0;
static bool g_holding;           /* idle: connections are being held (lost = down) */

static void cb_connect(struct mosquitto *m, void *ud, int rc)
{
	(void)m;
	struct client *c = ud;
	c->connack = rc;
	if(!c->w) return; /* throughput client: client_connect_sync looks at connack */
	struct worker *w = c->w;
	if(c->state != C_CONNECTING) return;
	w->connecting--;
	if(rc == 0){
		c->state = C_UP;
		c->t_up = now_ns();
		w->up++;
		w->t_last_up = c->t_up;
		atomic_fetch_add(&g_up_total, 1);
	}else{
		c->state = C_FAILED;
		w->failed++;
		record_error("%s: the broker refused the connection: CONNACK %d (%s)", c->id, rc, mosquitto_connack_string(rc));
		atomic_store(&g_abort, 1);
	}
}

static void w_register(struct worker *w, struct client *c)
{
	int fd = mosquitto_socket(c->m);
	struct epoll_event ev = {.events = EPOLLIN | (mosquitto_want_write(c->m) ? EPOLLOUT : 0), .data.ptr = c};
	if(epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev)) die("epoll_ctl ADD: %s", strerror(errno));
	c->fd = fd;
	c->ev = ev.events;
}

static void w_unregister(struct worker *w, struct client *c)
{
	if(c->fd >= 0){
		/* libmosquitto may already have closed it (then the kernel dropped it). */
		epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
		c->fd = -1;
	}
}

/* After I/O on c: the connection is gone (count it) or its interest changes. */
static void w_after_io(struct worker *w, struct client *c, int rc, int saved_errno)
{
	if(rc || mosquitto_socket(c->m) < 0){
		w_unregister(w, c);
		if(rc == 0) rc = MOSQ_ERR_CONN_LOST;
		if(c->state == C_CONNECTING){
			c->state = C_FAILED;
			w->connecting--;
			w->failed++;
			record_error("%s: connection failed before CONNACK: %s", c->id, why(c, rc, saved_errno));
			atomic_store(&g_abort, 1);
		}else if(c->state == C_UP){
			c->state = C_DOWN;
			w->down++;
			atomic_fetch_sub(&g_up_total, 1);
			record_error("%s: connection lost%s: %s", c->id, g_holding ? " while idle" : "", why(c, rc, saved_errno));
			if(!g_holding) atomic_store(&g_abort, 1);
		}
		/* C_FAILED (CONNACK refusal): already counted */
		return;
	}
	uint32_t want = EPOLLIN | (mosquitto_want_write(c->m) ? EPOLLOUT : 0);
	int fd = mosquitto_socket(c->m);
	if(fd != c->fd){ /* cannot happen without a reconnect; be safe */
		w_unregister(w, c);
		w_register(w, c);
	}else if(want != c->ev){
		struct epoll_event ev = {.events = want, .data.ptr = c};
		if(epoll_ctl(w->ep, EPOLL_CTL_MOD, c->fd, &ev)) die("epoll_ctl MOD: %s", strerror(errno));
		c->ev = want;
	}
}

static void w_poll(struct worker *w, int timeout_ms)
{
	struct epoll_event evs[256];
	int n = epoll_wait(w->ep, evs, 256, timeout_ms);
	if(n < 0){
		if(errno == EINTR) return;
		die("epoll_wait: %s", strerror(errno));
	}
	for(int i = 0; i < n; i++){
		struct client *c = evs[i].data.ptr;
		if(c->fd < 0 || (c->state != C_CONNECTING && c->state != C_UP)) continue;
		uint32_t e = evs[i].events;
		int rc = client_io(c, e & (EPOLLIN | EPOLLERR | EPOLLHUP), e & EPOLLOUT);
		w_after_io(w, c, rc, errno);
	}
}

static void w_check_timeouts(struct worker *w, int64_t now)
{
	int64_t limit = (int64_t)(O.timeout * 1e9);
	for(int i = 0; i < w->next; i++){
		struct client *c = &w->cl[i];
		if(c->state == C_CONNECTING && now - c->t_start > limit){
			record_error("%s: no CONNACK within %gs (TLS handshake or CONNECT stalled)", c->id, O.timeout);
			atomic_store(&g_abort, 1);
			return;
		}
	}
}

static void *w_connect_main(void *arg)
{
	struct worker *w = arg;
	pthread_barrier_wait(&g_barrier);
	int64_t last_check = now_ns();
	while(w->up + w->failed < w->n){
		if(atomic_load(&g_abort) || g_signal) break;
		while(w->connecting < w->conc && w->next < w->n){
			struct client *c = &w->cl[w->next++];
			if(client_start(c)){
				w->failed++;
				atomic_store(&g_abort, 1);
				break;
			}
			w->connecting++;
			w_register(w, c);
			/* the ClientHello is out; nothing to read yet */
		}
		w_poll(w, 20);
		int64_t t = now_ns();
		if(t - last_check > 250000000){
			w_check_timeouts(w, t);
			last_check = t;
		}
	}
	return NULL;
}

/* idle: keep answering the broker; keepalive pings via loop_misc once a second. */
static void *w_hold_main(void *arg)
{
	struct worker *w = arg;
	int64_t end = O.hold > 0 ? g_t0 + (int64_t)(O.hold * 1e9) : INT64_MAX;
	int64_t last_misc = now_ns();
	while(!g_signal && now_ns() < end && atomic_load(&g_up_total) > 0){
		w_poll(w, 200);
		int64_t t = now_ns();
		if(t - last_misc > 1000000000){
			last_misc = t;
			for(int i = 0; i < w->n; i++){
				struct client *c = &w->cl[i];
				if(c->state != C_UP || c->fd < 0) continue;
				int rc = mosquitto_loop_misc(c->m);
				w_after_io(w, c, rc, errno);
			}
		}
	}
	return NULL;
}

static void raise_nofile(long need)
{
	struct rlimit rl;
	if(getrlimit(RLIMIT_NOFILE, &rl)) return;
	if((long)rl.rlim_cur < need){
		rlim_t want = rl.rlim_max == RLIM_INFINITY || (long)rl.rlim_max >= need ? (rlim_t)need : rl.rlim_max;
		rl.rlim_cur = want;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if((long)rl.rlim_cur < need){
		die("%ld clients need %ld file descriptors (libmosquitto holds 3 per client: the socket and an internal "
			"socketpair); the limit is %ld (hard %ld): raise ulimit -n or split the clients over several processes",
			(need - 64) / 3, need, (long)rl.rlim_cur, (long)rl.rlim_max);
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static void disconnect_all(struct client *cl, int n)
{
	/* DISCONNECT is written at once (non-threaded mode); destroy closes the socket. */
	for(int i = 0; i < n; i++){
		if(cl[i].state == C_UP && mosquitto_socket(cl[i].m) >= 0){
			mosquitto_disconnect(cl[i].m);
			cl[i].state = C_CLOSED;
		}
	}
	for(int i = 0; i < n; i++) mosquitto_destroy(cl[i].m);
}

static int run_many(bool idle)
{
	int n = O.clients, T = O.threads;
	if(T > n) T = n;
	raise_nofile(3L * n + 64);
	struct client *cl = calloc((size_t)n, sizeof(*cl));
	struct worker *ws = calloc((size_t)T, sizeof(*ws));
	if(!cl || !ws) die("out of memory");
	for(int i = 0; i < n; i++) client_init(&cl[i], idle ? "idle" : "conn", i);
	for(int t = 0; t < T; t++){
		struct worker *w = &ws[t];
		int lo = (int)((long)n * t / T), hi = (int)((long)n * (t + 1) / T);
		w->idx = t;
		w->cl = cl + lo;
		w->n = hi - lo;
		w->conc = (O.concurrency + T - 1) / T;
		w->ep = epoll_create1(EPOLL_CLOEXEC);
		if(w->ep < 0) die("epoll_create1: %s", strerror(errno));
		for(int i = 0; i < w->n; i++) w->cl[i].w = w;
	}
	pthread_barrier_init(&g_barrier, NULL, (unsigned)T + 1);
	for(int t = 0; t < T; t++){
		if(pthread_create(&ws[t].th, NULL, w_connect_main, &ws[t])) die("pthread_create failed");
	}
	g_t0 = now_ns();
	pthread_barrier_wait(&g_barrier);
	for(int t = 0; t < T; t++) pthread_join(ws[t].th, NULL);

	int up = 0, failed = 0;
	int64_t t_end = g_t0;
	for(int t = 0; t < T; t++){
		up += ws[t].up;
		failed += ws[t].failed;
		if(ws[t].t_last_up > t_end) t_end = ws[t].t_last_up;
	}
	if(g_first_err[0] || up < n){
		fprintf(stderr, PROG ": %s\n", g_first_err[0] ? g_first_err : "interrupted");
		fprintf(stderr, PROG ": %d of %d clients connected, %d failed, in %.2fs\n", up, n, failed, secs(now_ns() - g_t0));
		return 1;
	}
	double s = secs(t_end - g_t0);
	int64_t *lat = malloc(sizeof(int64_t) * (size_t)n);
	if(!lat) die("out of memory");
	for(int i = 0; i < n; i++) lat[i] = cl[i].t_up - cl[i].t_start;
	qsort(lat, (size_t)n, sizeof(int64_t), cmp_i64);
	double p50 = (double)lat[n / 2] / 1e6, p99 = (double)lat[(int)((long)n * 99 / 100)] / 1e6, pmax = (double)lat[n - 1] / 1e6;
	free(lat);
	const char *tls = tls_desc(&cl[0]);

	if(!idle){
		printf("connect clients=%d seconds=%.3f rate=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f concurrency=%d threads=%d %s\n",
			n, s, n / s, p50, p99, pmax, O.concurrency, T, tls);
		fflush(stdout);
		disconnect_all(cl, n);
		return 0;
	}

	printf("connected=%d seconds=%.3f rate=%.1f p50_ms=%.2f p99_ms=%.2f concurrency=%d threads=%d %s\n",
		n, s, n / s, p50, p99, O.concurrency, T, tls);
	fflush(stdout);
	g_holding = true;
	g_t0 = now_ns();
	for(int t = 0; t < T; t++){
		if(pthread_create(&ws[t].th, NULL, w_hold_main, &ws[t])) die("pthread_create failed");
	}
	for(int t = 0; t < T; t++) pthread_join(ws[t].th, NULL);
	int down = 0;
	for(int t = 0; t < T; t++) down += ws[t].down;
	printf("held=%d lost=%d hold_seconds=%.1f end=%s\n", n - down, down, secs(now_ns() - g_t0),
		g_signal ? (g_signal == SIGTERM ? "SIGTERM" : "SIGINT") : atomic_load(&g_up_total) > 0 ? "hold time" : "all lost");
	fflush(stdout);
	if(down) fprintf(stderr, PROG ": %d idle connection(s) lost; first: %s\n", down, g_first_err);
	disconnect_all(cl, n);
	return down ? 1 : 0;
}

/* ------------------------------------------------------------------------- */
/* throughput */

struct pub {
	struct client c;
	int k;
	char topic[128];
	long published;
	int64_t t_end;
	int rc, err_no;
	char err[600];
	pthread_t th;
};

static atomic_int g_pubs_done;
static atomic_long g_sent_total;
static atomic_int g_stop_pubs;
static atomic_int g_pub_failed;
static atomic_long g_published; /* all publishers; for --e2e-window */
static atomic_long g_rx;        /* g_received, for the publishers */
static atomic_long g_forgiven;  /* published messages the window stopped waiting for */

static long e2e_outstanding(void)
{
	return atomic_load_explicit(&g_published, memory_order_relaxed) - atomic_load_explicit(&g_rx, memory_order_relaxed) -
		atomic_load_explicit(&g_forgiven, memory_order_relaxed);
}
static char g_run[32];

/* subscriber state (main thread only) */
static long g_received, g_bad, g_out_of_order;
static long *g_next_seq;
static int64_t g_t_first_rx, g_t_last_rx;
static int g_expect_qos;

static void cb_message(struct mosquitto *m, void *ud, const struct mosquitto_message *msg)
{
	(void)m;
	(void)ud;
	int64_t t = now_ns();
	if(!g_received) g_t_first_rx = t;
	g_t_last_rx = t;
	g_received++;
	atomic_store_explicit(&g_rx, g_received, memory_order_relaxed);
	if(msg->payloadlen != O.size || msg->qos != g_expect_qos){
		g_bad++;
		return;
	}
	if(O.size >= PAYLOAD_HEADER){
		const unsigned char *p = msg->payload;
		uint32_t k = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		uint64_t seq = 0;
		for(int i = 0; i < 8; i++) seq |= (uint64_t)p[4 + i] << (8 * i);
		if(k >= (uint32_t)O.publishers){
			g_bad++;
		}else if((long)seq < g_next_seq[k]){
			g_out_of_order++;
		}else{
			g_next_seq[k] = (long)seq + 1;
		}
	}
}

static void pub_fail(struct pub *p, int rc, const char *what)
{
	int e = errno;
	snprintf(p->err, sizeof(p->err), "%s: %s: %s", p->c.id, what, why(&p->c, rc, e));
	p->rc = rc ? rc : MOSQ_ERR_UNKNOWN;
	atomic_store(&g_pub_failed, 1);
}

static void *pub_main(void *arg)
{
	struct pub *p = arg;
	struct client *c = &p->c;
	unsigned char *payload = malloc(O.size ? (size_t)O.size : 1);
	if(!payload) die("out of memory");
	memset(payload, 'x', (size_t)O.size);
	if(O.size >= 4){
		payload[0] = (unsigned char)p->k;
		payload[1] = (unsigned char)(p->k >> 8);
		payload[2] = (unsigned char)(p->k >> 16);
		payload[3] = (unsigned char)(p->k >> 24);
	}
	int64_t limit = (int64_t)(O.timeout * 1e9);
	int64_t stall = (int64_t)((O.drain < 1 ? O.drain : 1) * 1e9);
	pthread_barrier_wait(&g_barrier);
	int64_t deadline = O.seconds > 0 ? g_t0 + (int64_t)(O.seconds * 1e9) : INT64_MAX;
	int rc;
	while(p->published < O.messages){
		if((p->published & 63) == 0){
			if(now_ns() >= deadline || g_signal || atomic_load(&g_pub_failed)) break;
			if((rc = client_drive(c, 0))){ pub_fail(p, rc, "connection failed while publishing"); goto out; }
		}
		if(c->inflight >= O.inflight){
			int64_t since = now_ns();
			while(c->inflight >= O.inflight){
				if((rc = client_drive(c, 100))){ pub_fail(p, rc, "connection failed while publishing"); goto out; }
				if(now_ns() - since > limit){ pub_fail(p, MOSQ_ERR_UNKNOWN, "no progress (no PUBACK / socket not writable) within --timeout"); goto out; }
				if(g_signal) goto out;
			}
		}
		if(O.e2e_window > 0 && e2e_outstanding() >= O.e2e_window){
			int64_t since = now_ns();
			long rx0 = atomic_load(&g_rx);
			/* resume at 3/4 of the window, so the waiters do not wake per message */
			while(e2e_outstanding() >= O.e2e_window - O.e2e_window / 4){
				if((rc = client_drive(c, 2))){ pub_fail(p, rc, "connection failed while publishing"); goto out; }
				if(g_signal || atomic_load(&g_pub_failed) || now_ns() >= deadline) break;
				if(atomic_load(&g_rx) != rx0){
					rx0 = atomic_load(&g_rx);
					since = now_ns();
				}else if(now_ns() - since > stall){
					/* nothing arrives: the broker dropped what is outstanding (QoS 0) or is
					 * stuck; count the window as lost and go on (the drain decides) */
					atomic_fetch_add(&g_forgiven, e2e_outstanding());
				}
			}
			if(g_signal || atomic_load(&g_pub_failed) || now_ns() >= deadline) break;
		}
		if(O.size >= PAYLOAD_HEADER){
			uint64_t seq = (uint64_t)p->published;
			for(int i = 0; i < 8; i++) payload[4 + i] = (unsigned char)(seq >> (8 * i));
		}
		c->inflight++; /* before: for QoS 0, on_publish may run inside mosquitto_publish */
		rc = mosquitto_publish(c->m, NULL, p->topic, O.size, payload, O.qos, false);
		if(rc){
			c->inflight--;
			pub_fail(p, rc, "mosquitto_publish failed");
			goto out;
		}
		p->published++;
		if(O.e2e_window > 0) atomic_fetch_add_explicit(&g_published, 1, memory_order_relaxed);
	}
	/* the rest of the window: QoS 1 PUBACKs, QoS 0 bytes still in libmosquitto */
	{
		int64_t since = now_ns();
		while(c->inflight > 0){
			if((rc = client_drive(c, 100))){ pub_fail(p, rc, "connection failed waiting for the last acknowledgements"); goto out; }
			if(now_ns() - since > limit){ pub_fail(p, MOSQ_ERR_UNKNOWN, "last acknowledgements did not arrive within --timeout"); goto out; }
			if(g_signal) goto out;
		}
	}
out:
	p->t_end = now_ns();
	atomic_fetch_add(&g_sent_total, p->published - (c->inflight > 0 ? c->inflight : 0));
	atomic_fetch_add(&g_pubs_done, 1);
	/* stay connected until the subscriber is done, so no close races the data */
	while(!p->rc && !atomic_load(&g_stop_pubs) && !g_signal){
		if((rc = client_drive(c, 100))){ pub_fail(p, rc, "connection lost after publishing"); break; }
	}
	if(mosquitto_socket(c->m) >= 0) mosquitto_disconnect(c->m);
	free(payload);
	return NULL;
}

static int run_throughput(void)
{
	int N = O.publishers;
	snprintf(g_run, sizeof(g_run), "%x%04x", (unsigned)getpid(), (unsigned)(now_ns() & 0xffff));
	g_expect_qos = O.qos;
	g_next_seq = calloc((size_t)N, sizeof(long));
	struct pub *pubs = calloc((size_t)N, sizeof(*pubs));
	if(!g_next_seq || !pubs) die("out of memory");

	/* subscriber first; SUBACK before anything is published */
	struct client sub;
	client_init(&sub, "sub", -1);
	mosquitto_subscribe_callback_set(sub.m, cb_subscribe);
	mosquitto_message_callback_set(sub.m, cb_message);
	client_connect_sync(&sub);
	char filter[128];
	snprintf(filter, sizeof(filter), "%s/%s/#", O.prefix, g_run);
	int rc = mosquitto_subscribe(sub.m, &sub.sub_mid, filter, O.qos);
	if(rc) die("%s: mosquitto_subscribe(%s): %s", sub.id, filter, why(&sub, rc, errno));
	int64_t deadline = now_ns() + (int64_t)(O.timeout * 1e9);
	while(sub.granted < 0){
		if(g_signal) die("interrupted");
		if(now_ns() > deadline) die("%s: no SUBACK within %gs", sub.id, O.timeout);
		if((rc = client_drive(&sub, 100))) die("%s: connection failed waiting for SUBACK: %s", sub.id, why(&sub, rc, errno));
	}
	char tls[160];
	snprintf(tls, sizeof(tls), "%s", tls_desc(&sub));
	if(sub.granted == 0x80) die("%s: the broker refused the subscription to %s (SUBACK 0x80)", sub.id, filter);
	if(sub.granted < O.qos){
		fprintf(stderr, PROG ": note: the broker granted QoS %d for a QoS %d subscription\n", sub.granted, O.qos);
		g_expect_qos = sub.granted;
	}

	for(int k = 0; k < N; k++){
		struct pub *p = &pubs[k];
		p->k = k;
		client_init(&p->c, "pub", k);
		mosquitto_publish_callback_set(p->c.m, cb_publish);
		mosquitto_max_inflight_messages_set(p->c.m, (unsigned)O.inflight);
		snprintf(p->topic, sizeof(p->topic), "%s/%s/p%d", O.prefix, g_run, k);
		client_connect_sync(&p->c);
	}
	/* the hot path: no log formatting per packet */
	mosquitto_log_callback_set(sub.m, NULL);
	for(int k = 0; k < N; k++) mosquitto_log_callback_set(pubs[k].c.m, NULL);
	/* TLS 1.3 session tickets etc. out of the way before the clock starts */
	for(int i = 0; i < 3; i++){
		client_drive(&sub, 10);
		for(int k = 0; k < N; k++) client_drive(&pubs[k].c, 0);
	}

	pthread_barrier_init(&g_barrier, NULL, (unsigned)N + 1);
	for(int k = 0; k < N; k++){
		if(pthread_create(&pubs[k].th, NULL, pub_main, &pubs[k])) die("pthread_create failed");
	}
	g_t0 = now_ns();
	pthread_barrier_wait(&g_barrier);

	/* Publishers may outrun the subscriber (QoS 0: the broker queues); the run
	 * goes on while messages arrive, up to this cap. */
	double cap = (O.seconds > 0 ? 10 * O.seconds : 600) + O.timeout + O.drain;
	int64_t pubs_done_at = 0, hard_end = g_t0 + (int64_t)(cap * 1e9);
	const char *sub_err = NULL;
	long total = 0;
	for(;;){
		rc = client_drive(&sub, 50);
		if(rc){
			sub_err = why(&sub, rc, errno);
			break;
		}
		if(g_signal || atomic_load(&g_pub_failed)) break;
		int64_t t = now_ns();
		if(atomic_load(&g_pubs_done) == N){
			if(!pubs_done_at) pubs_done_at = t;
			total = atomic_load(&g_sent_total);
			if(g_received >= total) break;
			int64_t last = g_t_last_rx > pubs_done_at ? g_t_last_rx : pubs_done_at;
			if(t - last > (int64_t)(O.drain * 1e9)) break; /* nothing for --drain seconds: the rest is lost */
		}
		if(t > hard_end){
			static char msg[160];
			snprintf(msg, sizeof(msg), "the run did not finish within %.0fs (messages were still arriving)", cap);
			sub_err = msg;
			break;
		}
	}
	atomic_store(&g_stop_pubs, 1);
	for(int k = 0; k < N; k++) pthread_join(pubs[k].th, NULL);
	total = atomic_load(&g_sent_total);
	int status = 0;
	for(int k = 0; k < N; k++){
		if(pubs[k].rc){
			fprintf(stderr, PROG ": %s\n", pubs[k].err);
			status = 1;
		}
	}
	if(sub_err){
		fprintf(stderr, PROG ": %s: %s\n", sub.id, sub_err);
		status = 1;
	}
	if(g_signal){
		fprintf(stderr, PROG ": interrupted\n");
		status = 130;
	}
	int64_t t_pub_end = g_t0;
	for(int k = 0; k < N; k++) if(pubs[k].t_end > t_pub_end) t_pub_end = pubs[k].t_end;
	double s = g_received ? secs(g_t_last_rx - g_t0) : 0;
	double ps = secs(t_pub_end - g_t0);
	long lost = total > g_received ? total - g_received : 0;
	printf("throughput qos=%d publishers=%d size=%d inflight=%d e2e_window=%ld sent=%ld received=%ld lost=%ld out_of_order=%ld bad=%ld "
		"seconds=%.3f rate=%.0f publish_seconds=%.3f publish_rate=%.0f granted_qos=%d %s\n",
		O.qos, N, O.size, O.inflight, O.e2e_window, total, g_received, lost, g_out_of_order, g_bad,
		s, s > 0 ? g_received / s : 0, ps, ps > 0 ? total / ps : 0, sub.granted, tls);
	fflush(stdout);
	if(status == 0){
		if(g_received == 0){
			fprintf(stderr, PROG ": the subscriber received no messages\n");
			status = 1;
		}else if(g_bad){
			fprintf(stderr, PROG ": %ld message(s) with the wrong size, QoS or publisher\n", g_bad);
			status = 1;
		}else if(lost && g_expect_qos >= 1){
			fprintf(stderr, PROG ": %ld QoS 1 message(s) acknowledged to the publisher never reached the subscriber\n", lost);
			status = 1;
		}else if(lost){
			fprintf(stderr, PROG ": note: %ld QoS 0 message(s) not delivered (the broker dropped them)\n", lost);
		}
	}
	if(mosquitto_socket(sub.m) >= 0) mosquitto_disconnect(sub.m);
	mosquitto_destroy(sub.m);
	for(int k = 0; k < N; k++) mosquitto_destroy(pubs[k].c.m);
	return status;
}

/* ------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	parse_args(argc, argv);
	install_signals();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if(mosquitto_lib_init() != MOSQ_ERR_SUCCESS) die("mosquitto_lib_init failed");
	tls_setup();
	int rc;
	if(!strcmp(O.cmd, "throughput")) rc = run_throughput();
	else rc = run_many(!strcmp(O.cmd, "idle"));
	SSL_CTX_free(g_ctx);
	mosquitto_lib_cleanup();
	return rc;
}
