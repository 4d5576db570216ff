/* Tests of the Lightning clients against the node simulator (tests/sim/lnsim.py): invoices, inbound, errors, deadlines, for every kind. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "pay/bolt11.h"
#include "core/buf.h"
#include "ln/ln.h"
#include "core/log.h"
#include "net/trust.h"
#include "core/hex.h"
#include "core/clock.h"
#include "kit.h"
#include "t.h"

#define TOLERANCE	(0.3 * slow)	/* seconds a deadline may overshoot */

struct sim {
	const char	*kind;
	pid_t		 pid;
	int		 port, ctl;
	char		 dir[300];
	char		 pubkey[67];
	uint8_t		 payee[33];
	int		 tls;		/* Eclair: its API over HTTPS (--tls) */
	const char	*timed_out;	/* what the kind's client says of a deadline */
	const char	*refused;	/* ... of a connection refused */
	const char	*invalid;	/* ... of a request the node refused (NULL: CLN takes amount 0) */
};

static const char *srcdir, *tmpdir;
/* The credential directory of every client: the temporary directory, where the simulators write. */
static char *cred_dir_v[1];
#define CREDS	{ cred_dir_v, 1 }, NULL, 0
static double slow = 1;		/* time scale: 10 under valgrind */
static struct sim lnd = { "lnd", 0, 0, 0, "", "", { 0 }, 0, "DEADLINE_EXCEEDED", "UNAVAILABLE",
    "INVALID_ARGUMENT" };
static struct sim cln = { "cln", 0, 0, 0, "", "", { 0 }, 0, "DEADLINE_EXCEEDED", "UNAVAILABLE",
    NULL };
static struct sim eclair = { "eclair", 0, 0, 0, "", "", { 0 }, 0, "timed out",
    "connect to", "refused the request (400 Bad Request)" };
static struct sim eclair_tls = { "eclair", 0, 0, 0, "", "", { 0 }, 1, "timed out",
    "connect to", "refused the request (400 Bad Request)" };
static struct sim *const sims[] = { &lnd, &cln, &eclair, &eclair_tls };

static const char desc[] = "[[\"text/plain\",\"swgr test_ln\"],[\"text/identifier\",\"a@b.c\"]]";

/*
 * A port nobody listens on, from 32000 to 32767: below the kernel's
 * ephemeral range (32768 up), where the local end of an outgoing connection
 * could take a port between this probe and the simulator's bind.
 */
static int
free_port(void)
{
	static int next;
	struct sockaddr_in a;
	int s, port, tries, ok;

	if (next == 0)
		next = 32000 + (int)(getpid() % 300) * 2;
	for (tries = 0; tries < 768; tries++) {
		port = next++;
		if (next > 32767)
			next = 32000;
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a.sin_port = htons((uint16_t)port);
		if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0) {
			perror("free_port");
			exit(1);
		}
		ok = bind(s, (struct sockaddr *)&a, sizeof(a)) == 0;
		close(s);
		if (ok)
			return port;
	}
	fprintf(stderr, "free_port: no free port in 32000-32767\n");
	exit(1);
}

/*
 * One HTTP/1.0 request to the simulator's control port; returns the status
 * and copies the body into out (NUL-terminated, truncated to outlen).
 */
static int
http(int port, const char *method, const char *path, const char *body, char *out, size_t outlen)
{
	struct sockaddr_in a;
	char req[1024], resp[8192], *p;
	size_t got = 0;
	ssize_t n;
	int s, status = 0;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return 0;
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(s);
		return 0;
	}
	snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n%s", method, path, body ? strlen(body) : 0, body ? body : "");
	if (write(s, req, strlen(req)) != (ssize_t)strlen(req)) {
		close(s);
		return 0;
	}
	while (got < sizeof(resp) - 1 && (n = read(s, resp + got, sizeof(resp) - 1 - got)) > 0)
		got += (size_t)n;
	close(s);
	resp[got] = '\0';
	sscanf(resp, "HTTP/%*s %d", &status);
	if (out != NULL && outlen > 0) {
		p = strstr(resp, "\r\n\r\n");
		snprintf(out, outlen, "%s", p != NULL ? p + 4 : "");
	}
	return status;
}

/* Changes the simulator's fault settings (a JSON object of spec'd keys). */
static void
sim_set(struct sim *s, const char *fmt, ...)
{
	char body[512];
	va_list ap;
	int status;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	status = http(s->ctl, "POST", "/control", body, NULL, 0);
	if (status != 200)
		fprintf(stderr, "%s sim: POST /control %s -> %d\n", s->kind, body, status);
	CHECK_INT(status, 200);
}

/* Starts the simulator s in <tmpdir>/<kind> and waits until it serves (or exits 1). */
static void
sim_start(struct sim *s)
{
	char script[600], port[16], ctl[16], logf[400], state[4096], *p;
	double until;

	snprintf(script, sizeof(script), "%s/tests/sim/lnsim.py", srcdir);
	snprintf(s->dir, sizeof(s->dir), "%s/%s%s", tmpdir, s->kind, s->tls ? "-tls" : "");
	snprintf(logf, sizeof(logf), "%s.log", s->dir);
	s->port = free_port();
	do
		s->ctl = free_port();
	while (s->ctl == s->port);
	snprintf(port, sizeof(port), "%d", s->port);
	snprintf(ctl, sizeof(ctl), "%d", s->ctl);
	s->pid = kit_spawn(logf, KIT_PYTHON, script, "--kind", s->kind, "--dir", s->dir, "--port",
	    port, "--control-port", ctl, s->tls ? "--tls" : (char *)NULL, (char *)NULL);
	for (until = swgr_mono_now() + 60; swgr_mono_now() < until; usleep(50 * 1000)) {
		if (kit_exited(&s->pid))
			break;
		if (http(s->ctl, "GET", "/state", NULL, state, sizeof(state)) != 200)
			continue;
		if ((p = strstr(state, "\"publicKey\": \"")) == NULL)
			break;
		snprintf(s->pubkey, sizeof(s->pubkey), "%.66s", p + 14);
		if (swgr_hex_decode(s->pubkey, 66, s->payee, sizeof(s->payee)) != SWGR_OK)
			break;
		return;
	}
	snprintf(script, sizeof(script), "the %s simulator", s->kind);
	kit_no_start(script, logf);
}

/* fmt formatted into the next of four static buffers: a few may be in use at once. */
static char *
impl(const char *fmt, ...)
{
	static char buf[4][2048];
	static int i;
	char *b = buf[i++ % 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(buf[0]), fmt, ap);
	va_end(ap);
	return b;
}

/* The implementation JSON of sim s with its files; macaroon/cert overrides when not NULL. */
static char *
impl_lnd(const char *tls_cert, const char *macaroon, const char *domain)
{
	return impl("{\"type\":\"lndGrpc\",\"url\":\"https://127.0.0.1:%d/\","
	    "\"domain\":\"%s\",\"auth\":{\"type\":\"path\",\"tlsCertPath\":\"%s\","
	    "\"macaroonPath\":\"%s\"},\"ampInvoice\":false}", lnd.port,
	    domain ? domain : "localhost", tls_cert, macaroon);
}

static char *
impl_cln(const char *ca, const char *cert, const char *key, const char *domain)
{
	return impl("{\"type\":\"clnGrpc\",\"url\":\"https://127.0.0.1:%d\","
	    "\"domain\":\"%s\",\"auth\":{\"type\":\"path\",\"caCertPath\":\"%s\","
	    "\"clientCertPath\":\"%s\",\"clientKeyPath\":\"%s\"}}", cln.port,
	    domain ? domain : "localhost", ca, cert, key);
}

/*
 * The implementation JSON of an Eclair simulator: url of s (http or https by
 * its --tls, then path after the port), the password file and, if not NULL,
 * the CA file.
 */
static char *
impl_eclair(const struct sim *s, const char *path, const char *password, const char *ca)
{
	return impl("{\"type\":\"eclairHttp\",\"url\":\"%s://127.0.0.1:%d%s\","
	    "\"auth\":{\"type\":\"path\",\"passwordPath\":\"%s\"%s%s%s}}",
	    s->tls ? "https" : "http", s->port, path, password, ca ? ",\"caCertPath\":\"" : "",
	    ca ? ca : "", ca ? "\"" : "");
}

/* A path inside the simulator's directory (one of a few static buffers). */
static const char *
f(const struct sim *s, const char *name)
{
	static char buf[16][400];
	static int i;
	char *b = buf[i++ % 16];

	snprintf(b, sizeof(buf[0]), "%s/%s", s->dir, name);
	return b;
}

static const char *
good_impl(const struct sim *s)
{
	if (s == &lnd)
		return impl_lnd(f(&lnd, "tls.cert"), f(&lnd, "swgr.macaroon"), NULL);
	if (strcmp(s->kind, "eclair") == 0)
		return impl_eclair(s, "/", f(s, "eclair-api-password"),
		    s->tls ? f(s, "tls.cert") : NULL);
	return impl_cln(f(&cln, "ca.pem"), f(&cln, "client.pem"), f(&cln, "client-key.pem"), NULL);
}

static struct swgr_ln_client *
client(const struct sim *s, double timeout)
{
	struct swgr_ln_opts o = { timeout * slow, NULL, CREDS };
	struct swgr_ln_client *c = NULL;
	struct swgr_err e;

	if (swgr_ln_client_new(s->pubkey, good_impl(s), &o, &c, &e) != SWGR_OK) {
		fprintf(stderr, "client %s: %s\n", s->kind, e.msg);
		exit(1);
	}
	return c;
}

/* Requests an invoice and checks every decoded field against the request. */
static void
check_invoice(struct swgr_ln_client *c, const struct sim *s, uint64_t amount, uint64_t expiry)
{
	struct swgr_bolt11 inv;
	struct swgr_err e;
	uint8_t h[32];
	char *b11 = NULL;
	enum swgr_rc rc;

	SHA256((const unsigned char *)desc, strlen(desc), h);
	rc = swgr_ln_invoice(c, amount, desc, strlen(desc), expiry, &b11, &e);
	CHECK_INT(rc, SWGR_OK);
	if (rc != SWGR_OK) {
		fprintf(stderr, "  %s invoice: %s\n", s->kind, e.msg);
		return;
	}
	rc = swgr_bolt11_decode(b11, strlen(b11), &inv, &e);
	CHECK_INT(rc, SWGR_OK);
	if (rc != SWGR_OK) {
		fprintf(stderr, "  %s: %s: %s\n", s->kind, b11, e.msg);
		free(b11);
		return;
	}
	CHECK(inv.has_amount);
	CHECK_INT(inv.amount_msat, amount);
	CHECK(inv.has_description_hash);
	CHECK(memcmp(inv.description_hash, h, 32) == 0);
	CHECK(inv.description == NULL);
	CHECK_INT(inv.expiry, expiry);
	CHECK(memcmp(inv.payee, s->payee, 33) == 0);
	CHECK_INT(swgr_bolt11_check(&inv, amount, h, s->payee, &e), SWGR_OK);
	swgr_bolt11_free(&inv);
	free(b11);
}

static void
test_invoices(const struct sim *s)
{
	struct swgr_ln_client *c = client(s, 5);
	struct swgr_bolt11 inv;
	struct swgr_err e;
	uint8_t h[32];
	char *b11;

	CHECK_STR(swgr_ln_client_kind(c), s->kind);
	CHECK_STR(swgr_ln_client_name(c), s->pubkey);
	check_invoice(c, s, 1000, 60);
	check_invoice(c, s, 123456789, 3600);
	check_invoice(c, s, 2100000000000000000ULL / 1000, 86400);
	check_invoice(c, s, 1, 600);

	/* A node returning a non-conforming invoice is caught by the check. */
	SHA256((const unsigned char *)desc, strlen(desc), h);
	sim_set((struct sim *)s, "{\"wrong\":\"payee\"}");
	b11 = NULL;
	if (swgr_ln_invoice(c, 5000, desc, strlen(desc), 60, &b11, &e) == SWGR_OK &&
	    swgr_bolt11_decode(b11, strlen(b11), &inv, &e) == SWGR_OK) {
		CHECK_INT(swgr_bolt11_check(&inv, 5000, h, s->payee, &e), SWGR_EINVAL);
		CHECK(kit_contains(e.msg, "payee"));
		swgr_bolt11_free(&inv);
	} else
		CHECK(0);
	free(b11);
	sim_set((struct sim *)s, "{\"wrong\":null}");
	swgr_ln_client_free(c);
}

static void
test_inbound(struct sim *s)
{
	struct swgr_ln_client *c = client(s, 5);
	struct swgr_err e;
	uint64_t msat = 0;

	/* The default: 10^10; CLN splits it over two normal channels and adds a closed one. */
	CHECK_INT(swgr_ln_inbound(c, &msat, &e), SWGR_OK);
	CHECK_INT(msat, 10000000000ULL);
	sim_set(s, "{\"inbound_msat\":123456789}");
	CHECK_INT(swgr_ln_inbound(c, &msat, &e), SWGR_OK);
	CHECK_INT(msat, 123456789);
	sim_set(s, "{\"inbound_msat\":0}");
	CHECK_INT(swgr_ln_inbound(c, &msat, &e), SWGR_OK);
	CHECK_INT(msat, 0);
	/*
	 * Channels whose sum is past UINT64_MAX (two of 2^64 - 1 msat): the total is
	 * UINT64_MAX, not wrapped round (it was 2^64 - 2 for CLN).  LND reports one
	 * uint64 total, which cannot be that large.
	 */
	if (strcmp(s->kind, "lnd") != 0) {
		sim_set(s, "{\"inbound_msat\":36893488147419103230}");
		CHECK_INT(swgr_ln_inbound(c, &msat, &e), SWGR_OK);
		CHECK(msat == UINT64_MAX);
	}
	sim_set(s, "{\"inbound_msat\":10000000000}");
	swgr_ln_client_free(c);
}

/* Making a client from impl must fail with EINTERNAL and a message holding each of the needles. */
static void
expect_new_fails(const char *impl, const char *needle1, const char *needle2)
{
	struct swgr_ln_opts o = { 1, NULL, CREDS };
	struct swgr_ln_client *c = NULL;
	const char *name = "02ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
	struct swgr_err e;

	CHECK_INT(swgr_ln_client_new(name, impl, &o, &c, &e), SWGR_EINTERNAL);
	CHECK(c == NULL);
	CHECK(kit_contains(e.msg, name));
	CHECK(kit_contains(e.msg, needle1));
	if (needle2 != NULL)
		CHECK(kit_contains(e.msg, needle2));
	swgr_ln_client_free(c);
}

/* The client is made, but its calls fail with rc and a message holding the needles. */
static void
expect_call_fails(const struct sim *s, const char *impl, enum swgr_rc want, const char *needle1,
    const char *needle2)
{
	struct swgr_ln_opts o = { 2 * slow, NULL, CREDS };
	struct swgr_ln_client *c = NULL;
	struct swgr_err e;
	uint64_t msat;
	char *b11 = NULL;
	double t0;

	if (swgr_ln_client_new(s->pubkey, impl, &o, &c, &e) != SWGR_OK) {
		fprintf(stderr, "  client_new: %s\n", e.msg);
		CHECK(0);
		return;
	}
	t0 = swgr_mono_now();
	CHECK_INT(swgr_ln_invoice(c, 1000, desc, strlen(desc), 60, &b11, &e), want);
	CHECK(swgr_mono_now() - t0 < 2 * slow + TOLERANCE);
	CHECK(b11 == NULL);
	CHECK(kit_contains(e.msg, s->pubkey));
	CHECK(kit_contains(e.msg, needle1));
	if (needle2 != NULL)
		CHECK(kit_contains(e.msg, needle2));
	if (getenv("VERBOSE") != NULL)
		fprintf(stderr, "  [%s] %s\n", s->kind, e.msg);
	CHECK_INT(swgr_ln_inbound(c, &msat, &e), want);
	CHECK(kit_contains(e.msg, needle1));
	swgr_ln_client_free(c);
	free(b11);
}

static void
test_errors(void)
{
	char junk[400], empty[400], nodir[400], unreadable[400], wrongmac[400];

	snprintf(junk, sizeof(junk), "%s/junk.pem", tmpdir);
	snprintf(empty, sizeof(empty), "%s/empty", tmpdir);
	snprintf(nodir, sizeof(nodir), "%s/no/such/file", tmpdir);
	snprintf(unreadable, sizeof(unreadable), "%s/unreadable.macaroon", tmpdir);
	/* A BEGIN line (past the credential file's format check) over no certificate or key. */
	kit_write(junk, "-----BEGIN JUNK-----\nnot a certificate\n-----END JUNK-----\n", 0644);
	snprintf(wrongmac, sizeof(wrongmac), "%s/wrong.macaroon", tmpdir);
	kit_write(wrongmac, "\002not the node's macaroon", 0600);
	kit_write(empty, "", 0644);
	kit_write(unreadable, "secret", 0000);

	/* Wrong CA: the other node's certificate as the trusted root. */
	expect_call_fails(&lnd, impl_lnd(f(&cln, "ca.pem"), f(&lnd, "swgr.macaroon"), NULL),
	    SWGR_EUPSTREAM, "UNAVAILABLE", "certificate");
	expect_call_fails(&cln, impl_cln(f(&lnd, "tls.cert"), f(&cln, "client.pem"),
	    f(&cln, "client-key.pem"), NULL), SWGR_EUPSTREAM, "UNAVAILABLE", "certificate");
	/* Wrong domain: the certificate names localhost only. */
	expect_call_fails(&lnd, impl_lnd(f(&lnd, "tls.cert"), f(&lnd, "swgr.macaroon"),
	    "node.example.com"), SWGR_EUPSTREAM, "UNAVAILABLE", "node.example.com");
	expect_call_fails(&cln, impl_cln(f(&cln, "ca.pem"), f(&cln, "client.pem"),
	    f(&cln, "client-key.pem"), "cln"), SWGR_EUPSTREAM, "UNAVAILABLE", "'cln'");
	/* A client certificate from another CA (the LND node's own key pair). */
	expect_call_fails(&cln, impl_cln(f(&cln, "ca.pem"), f(&lnd, "tls.cert"), f(&lnd, "tls.key"),
	    NULL), SWGR_EUPSTREAM, "UNAVAILABLE", "client certificate");
	/* Wrong macaroon: the node refuses it (LND says UNKNOWN). */
	expect_call_fails(&lnd, impl_lnd(f(&lnd, "tls.cert"), wrongmac, NULL),
	    SWGR_EUPSTREAM, "UNKNOWN", "verification failed");
	/* Not a macaroon at all (a PEM file): refused before any call. */
	expect_new_fails(impl_lnd(f(&lnd, "tls.cert"), f(&cln, "ca.pem"), NULL), "macaroonPath",
	    "not a macaroon");

	/* The stock invoice.macaroon creates invoices but may not read balances (offchain:read). */
	{
		struct swgr_ln_opts o = { 2 * slow, NULL, CREDS };
		struct swgr_ln_client *c = NULL;
		struct swgr_err e;
		uint64_t msat;
		char *b11 = NULL;

		CHECK_INT(swgr_ln_client_new(lnd.pubkey, impl_lnd(f(&lnd, "tls.cert"),
		    f(&lnd, "invoice.macaroon"), NULL), &o, &c, &e), SWGR_OK);
		CHECK_INT(swgr_ln_invoice(c, 1000, desc, strlen(desc), 60, &b11, &e), SWGR_OK);
		CHECK_INT(swgr_ln_inbound(c, &msat, &e), SWGR_EUPSTREAM);
		CHECK(kit_contains(e.msg, "permission denied"));
		CHECK(kit_contains(e.msg, lnd.pubkey));
		free(b11);
		swgr_ln_client_free(c);
	}

	/* Files that cannot be used: named with the cause, at construction. */
	expect_new_fails(impl_lnd(f(&lnd, "tls.cert"), nodir, NULL), nodir,
	    "No such file or directory");
	expect_new_fails(impl_lnd(nodir, f(&lnd, "invoice.macaroon"), NULL), "tlsCertPath", nodir);
	expect_new_fails(impl_lnd(f(&lnd, "tls.cert"), empty, NULL), "macaroonPath", "empty");
	expect_new_fails(impl_lnd(junk, f(&lnd, "invoice.macaroon"), NULL), "tlsCertPath",
	    "no PEM certificate");
	expect_new_fails(impl_lnd(f(&lnd, "tls.cert"), tmpdir, NULL), "macaroonPath",
	    "not inside a credential directory");
	expect_new_fails(impl_lnd(f(&lnd, "tls.cert"), "/etc/hostname", NULL), "macaroonPath",
	    "not inside a credential directory");
	expect_new_fails(impl_lnd(f(&lnd, "node.json"), f(&lnd, "swgr.macaroon"), NULL),
	    "tlsCertPath", "not PEM");
	if (geteuid() != 0)
		expect_new_fails(impl_lnd(f(&lnd, "tls.cert"), unreadable, NULL), unreadable,
		    "Permission denied");
	expect_new_fails(impl_cln(nodir, f(&cln, "client.pem"), f(&cln, "client-key.pem"), NULL),
	    "caCertPath", "No such file");
	expect_new_fails(impl_cln(f(&cln, "ca.pem"), nodir, f(&cln, "client-key.pem"), NULL),
	    "clientCertPath", "No such file");
	expect_new_fails(impl_cln(f(&cln, "ca.pem"), f(&cln, "client.pem"), nodir, NULL),
	    "clientKeyPath", "No such file");
	expect_new_fails(impl_cln(f(&cln, "ca.pem"), f(&cln, "client.pem"), junk, NULL),
	    "clientKeyPath", "no PEM private key");
	expect_new_fails(impl_cln(f(&cln, "ca.pem"), junk, f(&cln, "client-key.pem"), NULL),
	    "clientCertPath", "no PEM certificate");
	/* A key that does not belong to the certificate. */
	expect_new_fails(impl_cln(f(&cln, "ca.pem"), f(&cln, "client.pem"), f(&cln, "server-key.pem"),
	    NULL), "clientKeyPath", "does not match");
	{
		struct swgr_ln_opts o = { 1, nodir, CREDS };
		struct swgr_ln_client *c = NULL;
		struct swgr_err e;

		CHECK_INT(swgr_ln_client_new(lnd.pubkey, good_impl(&lnd), &o, &c, &e),
		    SWGR_EINTERNAL);
		CHECK(kit_contains(e.msg, lnd.pubkey));
		CHECK(kit_contains(e.msg, "ln-trusted-roots"));
		CHECK(kit_contains(e.msg, nodir));
		/* A valid trusted-roots file works, the backend's own cert still added. */
		o.trusted_roots = f(&cln, "ca.pem");
		CHECK_INT(swgr_ln_client_new(lnd.pubkey, good_impl(&lnd), &o, &c, &e), SWGR_OK);
		swgr_ln_client_free(c);
	}

	/* Bad implementation JSON. */
	expect_new_fails("{\"type\":", "not a JSON object", NULL);
	expect_new_fails("[1,2]", "not a JSON object", NULL);
	expect_new_fails("{\"type\":\"eclairGrpc\",\"url\":\"https://x:1\"}", "clnGrpc", "eclairGrpc");
	expect_new_fails("{\"url\":\"https://x:1\"}", "type", NULL);
	expect_new_fails("{\"type\":\"lndGrpc\",\"auth\":{\"type\":\"path\",\"macaroonPath\":\"/x\"},"
	    "\"ampInvoice\":false}", "url", NULL);
	expect_new_fails("{\"type\":\"lndGrpc\",\"url\":\"ftp://127.0.0.1:1\",\"auth\":{\"type\":"
	    "\"path\",\"macaroonPath\":\"/etc/hostname\"},\"ampInvoice\":false}", "ftp://", "https");
	expect_new_fails("{\"type\":\"lndGrpc\",\"url\":\"https://\",\"auth\":{\"type\":"
	    "\"path\",\"macaroonPath\":\"/etc/hostname\"},\"ampInvoice\":false}", "url", "host");
	expect_new_fails("{\"type\":\"lndGrpc\",\"url\":\"https://127.0.0.1:1\","
	    "\"ampInvoice\":false}", "auth", NULL);
	expect_new_fails("{\"type\":\"lndGrpc\",\"url\":\"https://127.0.0.1:1\",\"auth\":{\"type\":"
	    "\"file\",\"macaroonPath\":\"/etc/hostname\"},\"ampInvoice\":false}", "auth.type", "path");
	expect_new_fails("{\"type\":\"lndGrpc\",\"url\":\"https://127.0.0.1:1\",\"auth\":{\"type\":"
	    "\"path\",\"macaroonPath\":\"/etc/hostname\"}}", "ampInvoice", NULL);
	expect_new_fails("{\"type\":\"lndGrpc\",\"url\":\"https://127.0.0.1:1\",\"auth\":{\"type\":"
	    "\"path\"},\"ampInvoice\":false}", "macaroonPath", NULL);
	expect_new_fails("{\"type\":\"clnGrpc\",\"url\":\"https://127.0.0.1:1\",\"auth\":{\"type\":"
	    "\"path\",\"clientKeyPath\":\"/x\"}}", "clientCertPath", NULL);
	expect_new_fails("{\"type\":\"clnGrpc\",\"url\":\"https://127.0.0.1:1\",\"domain\":5,"
	    "\"auth\":{\"type\":\"path\",\"clientKeyPath\":\"/x\"}}", "domain", NULL);
}

/* What swgr_ln_impl_vet (the discovery service's check) and the client refuse, by the text alone. */
static void
test_vet(void)
{
	char *hosts[] = { "10.0.0.0/8", "lnd.example.com" };
	struct swgr_ln_opts o = { 1, NULL, CREDS };
	struct swgr_ln_client *c = NULL;
	struct swgr_err e;
	char impl[2048], mac[400];
	size_t i;
	static const struct { const char *url, *why; } bad[] = {
		{ "unix:/run/lnd.sock", "expected an http:// or https:// URL" },
		{ "unix-abstract:lnd", "expected an http:// or https:// URL" },
		{ "ipv4:127.0.0.1:1,127.0.0.2:1", "expected an http:// or https:// URL" },
		{ "https://127.0.0.1:1,127.0.0.2:1/", "one host only" },
		{ "gopher://127.0.0.1:1/", "expected an http:// or https:// URL" },
		{ "http://10.0.0.5:10009/", "plaintext http" },
		{ "http://lnd.example.com:10009/", "plaintext http" },
	};

	snprintf(mac, sizeof(mac), "%s", f(&lnd, "swgr.macaroon"));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(impl, sizeof(impl), "{\"type\":\"lndGrpc\",\"url\":\"%s\",\"ampInvoice\":"
		    "false,\"auth\":{\"type\":\"path\",\"macaroonPath\":\"%s\"}}", bad[i].url, mac);
		CHECK_INT(swgr_ln_impl_vet(impl, &o, &e), SWGR_EINVAL);
		CHECK(kit_contains(e.msg, bad[i].why));
		/* The client is never made: nothing is read, nothing is sent. */
		CHECK_INT(swgr_ln_client_new(lnd.pubkey, impl, &o, &c, &e), SWGR_EINTERNAL);
		CHECK(c == NULL && kit_contains(e.msg, bad[i].why));
	}
	/* Plaintext to loopback is allowed (a node on this host); CLN sends no bearer secret. */
	snprintf(impl, sizeof(impl), "{\"type\":\"lndGrpc\",\"url\":\"http://127.0.0.1:1/\","
	    "\"ampInvoice\":false,\"auth\":{\"type\":\"path\",\"macaroonPath\":\"%s\"}}", mac);
	CHECK_INT(swgr_ln_impl_vet(impl, &o, &e), SWGR_OK);
	CHECK_INT(swgr_ln_impl_vet("{\"type\":\"clnGrpc\",\"url\":\"http://10.0.0.5:1/\","
	    "\"auth\":{\"type\":\"path\"}}", &o, &e), SWGR_OK);
	CHECK_INT(swgr_ln_impl_vet("{\"type\":\"eclairHttp\",\"url\":\"http://10.0.0.5:8080/\","
	    "\"auth\":{\"type\":\"path\"}}", &o, &e), SWGR_EINVAL);
	CHECK(kit_contains(e.msg, "plaintext http"));
	/* Paths: outside the directories, "..", relative; caCertPath null is fine. */
	CHECK_INT(swgr_ln_impl_vet("{\"type\":\"lndGrpc\",\"url\":\"https://127.0.0.1:1/\","
	    "\"ampInvoice\":false,\"auth\":{\"type\":\"path\",\"macaroonPath\":\"/etc/shadow\"}}",
	    &o, &e), SWGR_EINVAL);
	CHECK(kit_contains(e.msg, "auth.macaroonPath '/etc/shadow': not inside a credential"));
	snprintf(impl, sizeof(impl), "{\"type\":\"clnGrpc\",\"url\":\"https://127.0.0.1:1/\","
	    "\"auth\":{\"type\":\"path\",\"caCertPath\":null,\"clientKeyPath\":\"%s/../x\"}}",
	    tmpdir);
	CHECK_INT(swgr_ln_impl_vet(impl, &o, &e), SWGR_EINVAL);
	CHECK(kit_contains(e.msg, "auth.clientKeyPath") && kit_contains(e.msg, "'..'"));
	/* Not a known kind, or no url: opaque, nothing will be called. */
	CHECK_INT(swgr_ln_impl_vet("{\"type\":\"nope\",\"url\":\"unix:/x\"}", &o, &e), SWGR_OK);
	CHECK_INT(swgr_ln_impl_vet("[1]", &o, &e), SWGR_OK);
	CHECK_INT(swgr_ln_impl_vet("{\"type\":\"lndGrpc\"}", &o, &e), SWGR_OK);
	/* backend-hosts: an address in a block, a listed name; others refused. */
	o.backend_hosts = hosts;
	o.nbackend_hosts = 2;
	snprintf(impl, sizeof(impl), "{\"type\":\"lndGrpc\",\"url\":\"https://10.9.9.9:1/\","
	    "\"ampInvoice\":false,\"auth\":{\"type\":\"path\",\"macaroonPath\":\"%s\"}}", mac);
	CHECK_INT(swgr_ln_impl_vet(impl, &o, &e), SWGR_OK);
	snprintf(impl, sizeof(impl), "{\"type\":\"lndGrpc\",\"url\":\"https://127.0.0.1:1/\","
	    "\"ampInvoice\":false,\"auth\":{\"type\":\"path\",\"macaroonPath\":\"%s\"}}", mac);
	CHECK_INT(swgr_ln_impl_vet(impl, &o, &e), SWGR_EINVAL);
	CHECK(kit_contains(e.msg, "not in node-access.backend-hosts"));
	CHECK_INT(swgr_ln_client_new(lnd.pubkey, impl, &o, &c, &e), SWGR_EINTERNAL);
	CHECK(c == NULL);
}

/*
 * Eclair: its implementation JSON, its password file (read once, trailing
 * newline dropped, never in a message), a wrong password answered after the
 * node's 1 s pause and reported as refused credentials, HTTPS with its roots.
 */
static void
test_eclair(void)
{
	struct swgr_ln_opts o = { 2 * slow, NULL, CREDS };
	struct swgr_ln_client *c = NULL;
	struct swgr_err e;
	struct swgr_buf pw = { 0 };
	char wrong[400], crlf[400], empty[400], newline[400], nul[400], junk[400], nodir[400];
	char secret[256], *b11 = NULL;
	uint64_t msat;
	double t0, dt;
	FILE *fp;

	snprintf(wrong, sizeof(wrong), "%s/eclair-wrong-password", tmpdir);
	snprintf(crlf, sizeof(crlf), "%s/eclair-crlf-password", tmpdir);
	snprintf(empty, sizeof(empty), "%s/eclair-empty-password", tmpdir);
	snprintf(newline, sizeof(newline), "%s/eclair-newline-password", tmpdir);
	snprintf(nul, sizeof(nul), "%s/eclair-nul-password", tmpdir);
	snprintf(junk, sizeof(junk), "%s/eclair-junk.pem", tmpdir);
	snprintf(nodir, sizeof(nodir), "%s/no/such/password", tmpdir);
	CHECK(swgr_buf_read_file(&pw, f(&eclair, "eclair-api-password"), 4096) == 0);
	CHECK(pw.len > 1 && pw.p[pw.len - 1] == '\n');	/* the simulator writes a newline */
	snprintf(secret, sizeof(secret), "%.*s", (int)(pw.len - 1), pw.p);
	swgr_buf_free(&pw);
	kit_write(wrong, "not-the-password\n", 0600);
	{
		char text[300];

		snprintf(text, sizeof(text), "%s\r\n", secret);
		kit_write(crlf, text, 0600);
	}
	kit_write(empty, "", 0600);
	kit_write(newline, "\n", 0600);
	/* A BEGIN line (past the credential file's format check) over no certificate or key. */
	kit_write(junk, "-----BEGIN JUNK-----\nnot a certificate\n-----END JUNK-----\n", 0644);
	if ((fp = fopen(nul, "w")) == NULL || fwrite("ab\0cd\n", 1, 6, fp) != 6 || fclose(fp) != 0) {
		perror(nul);
		exit(1);
	}

	/* The implementation JSON and the password file, at construction. */
	expect_new_fails("{\"type\":\"eclairHttp\",\"url\":\"http://127.0.0.1:1/\"}", "auth", NULL);
	expect_new_fails("{\"type\":\"eclairHttp\",\"url\":\"http://127.0.0.1:1/\",\"auth\":"
	    "{\"type\":\"path\"}}", "auth.passwordPath", NULL);
	expect_new_fails("{\"type\":\"eclairHttp\",\"url\":\"http://127.0.0.1:1/\",\"auth\":"
	    "{\"type\":\"path\",\"passwordPath\":7}}", "auth.passwordPath", NULL);
	expect_new_fails("{\"type\":\"eclairHttp\",\"url\":\"http://127.0.0.1:1/\",\"auth\":"
	    "{\"type\":\"file\",\"passwordPath\":\"/x\"}}", "auth.type", "path");
	expect_new_fails("{\"type\":\"eclairHttp\",\"auth\":{\"type\":\"path\",\"passwordPath\":"
	    "\"/x\"}}", "url", NULL);
	expect_new_fails(impl_eclair(&eclair, "/", nodir, NULL), "passwordPath", nodir);
	expect_new_fails(impl_eclair(&eclair, "/", empty, NULL), "passwordPath", "empty");
	expect_new_fails(impl_eclair(&eclair, "/", newline, NULL), newline, "empty");
	expect_new_fails(impl_eclair(&eclair, "/", nul, NULL), nul, "NUL");
	expect_new_fails(impl_eclair(&eclair, "/", f(&eclair, "eclair-api-password"), junk),
	    "caCertPath", "no PEM certificate");
	expect_new_fails(impl_eclair(&eclair, "/", f(&eclair, "eclair-api-password"), nodir),
	    "caCertPath", nodir);
	expect_new_fails("{\"type\":\"eclairHttp\",\"url\":\"ftp://127.0.0.1:1/\",\"auth\":"
	    "{\"type\":\"path\",\"passwordPath\":\"/etc/hostname\"}}", "ftp://", "http://");
	expect_new_fails("{\"type\":\"eclairHttp\",\"url\":\"http:///getinfo\",\"auth\":"
	    "{\"type\":\"path\",\"passwordPath\":\"/etc/hostname\"}}", "url", "no path");
	expect_new_fails("{\"type\":\"eclairHttp\",\"url\":\"http://u:pw@127.0.0.1:1/\",\"auth\":"
	    "{\"type\":\"path\",\"passwordPath\":\"/etc/hostname\"}}", "url", "user information");

	/* The password with CRLF works as with LF. */
	CHECK_INT(swgr_ln_client_new(eclair.pubkey, impl_eclair(&eclair, "/", crlf, NULL), &o, &c,
	    &e), SWGR_OK);
	CHECK_INT(swgr_ln_inbound(c, &msat, &e), SWGR_OK);
	swgr_ln_client_free(c);
	c = NULL;

	/* A wrong password: 401 after Eclair's 1 s pause, "authentication failed", not a timeout. */
	CHECK_INT(swgr_ln_client_new(eclair.pubkey, impl_eclair(&eclair, "/", wrong, NULL), &o, &c,
	    &e), SWGR_OK);
	t0 = swgr_mono_now();
	CHECK_INT(swgr_ln_invoice(c, 1000, desc, strlen(desc), 60, &b11, &e), SWGR_EUPSTREAM);
	dt = swgr_mono_now() - t0;
	printf("  eclair wrong password: invoice failed after %.3f s (timeout %.1f s): %s\n", dt,
	    o.timeout_secs, e.msg);
	CHECK(dt >= 0.9 && dt < o.timeout_secs);
	CHECK(kit_contains(e.msg, "authentication failed"));
	CHECK(kit_contains(e.msg, eclair.pubkey));
	CHECK(strstr(e.msg, secret) == NULL && strstr(e.msg, "not-the-password") == NULL);
	CHECK(strstr(e.msg, "timed out") == NULL);
	t0 = swgr_mono_now();
	CHECK_INT(swgr_ln_inbound(c, &msat, &e), SWGR_EUPSTREAM);
	dt = swgr_mono_now() - t0;
	CHECK(dt >= 0.9 && dt < o.timeout_secs);
	CHECK(kit_contains(e.msg, "authentication failed"));
	CHECK(kit_contains(e.msg, "getinfo"));
	swgr_ln_client_free(c);
	c = NULL;
	/* With a timeout under the pause the 401 never comes: a timeout (doc/nodes.md). */
	o.timeout_secs = 0.5;
	CHECK_INT(swgr_ln_client_new(eclair.pubkey, impl_eclair(&eclair, "/", wrong, NULL), &o, &c,
	    &e), SWGR_OK);
	CHECK_INT(swgr_ln_inbound(c, &msat, &e), SWGR_EUPSTREAM);
	CHECK(kit_contains(e.msg, "timed out"));
	swgr_ln_client_free(c);
	c = NULL;
	o.timeout_secs = 2 * slow;

	/* A URL with a path: refused at construction (an API at a path is not a node's). */
	CHECK_INT(swgr_ln_client_new(eclair.pubkey, impl_eclair(&eclair, "/not/the/api/",
	    f(&eclair, "eclair-api-password"), NULL), &o, &c, &e), SWGR_EINTERNAL);
	CHECK(c == NULL);
	CHECK(kit_contains(e.msg, "no path"));

	/* HTTPS: the node's certificate from caCertPath, ln-trusted-roots or the system store. */
	CHECK_INT(swgr_ln_client_new(eclair_tls.pubkey, impl_eclair(&eclair_tls, "/",
	    f(&eclair_tls, "eclair-api-password"), NULL), &o, &c, &e), SWGR_OK);
	CHECK_INT(swgr_ln_inbound(c, &msat, &e), SWGR_EUPSTREAM);
	CHECK(kit_contains(e.msg, "certificate"));
	swgr_ln_client_free(c);
	c = NULL;
	o.trusted_roots = f(&eclair_tls, "tls.cert");
	CHECK_INT(swgr_ln_client_new(eclair_tls.pubkey, impl_eclair(&eclair_tls, "/",
	    f(&eclair_tls, "eclair-api-password"), NULL), &o, &c, &e), SWGR_OK);
	CHECK_INT(swgr_ln_inbound(c, &msat, &e), SWGR_OK);
	swgr_ln_client_free(c);
	c = NULL;
	/* both: ln-trusted-roots (another node's CA here) and caCertPath */
	o.trusted_roots = f(&cln, "ca.pem");
	CHECK_INT(swgr_ln_client_new(eclair_tls.pubkey, good_impl(&eclair_tls), &o, &c, &e),
	    SWGR_OK);
	CHECK_INT(swgr_ln_inbound(c, &msat, &e), SWGR_OK);
	CHECK_INT(msat, 10000000000ULL);
	swgr_ln_client_free(c);
	c = NULL;
	o.trusted_roots = junk;
	CHECK_INT(swgr_ln_client_new(eclair_tls.pubkey, good_impl(&eclair_tls), &o, &c, &e),
	    SWGR_EINTERNAL);
	CHECK(c == NULL);
	CHECK(kit_contains(e.msg, "ln-trusted-roots") && kit_contains(e.msg, junk));
	o.trusted_roots = NULL;
	setenv("SSL_CERT_FILE", f(&eclair_tls, "tls.cert"), 1);
	CHECK_INT(swgr_ln_client_new(eclair_tls.pubkey, impl_eclair(&eclair_tls, "/",
	    f(&eclair_tls, "eclair-api-password"), NULL), &o, &c, &e), SWGR_OK);
	CHECK_INT(swgr_ln_inbound(c, &msat, &e), SWGR_OK);
	swgr_ln_client_free(c);
	unsetenv("SSL_CERT_FILE");
	free(b11);
}

/* Every kind of the table offers a template whose files the client reads at construction. */
static void
test_kind_templates(void)
{
	const char *name, *label, *impl;
	const char *want[] = { "cln-grpc", "lnd-grpc", "eclair-http" };
	size_t i;

	for (i = 0; swgr_ln_kind_template(i, &name, &label, &impl); i++) {
		CHECK(i < sizeof(want) / sizeof(want[0]));
		if (i >= sizeof(want) / sizeof(want[0]))
			break;
		CHECK_STR(name, want[i]);
		CHECK(label != NULL && label[0] != '\0');
		/* "/path/to/...": not there, named in the message */
		expect_new_fails(impl, "/path/to/", NULL);
	}
	CHECK_INT(i, sizeof(want) / sizeof(want[0]));
}

/* A CLN client without caCertPath must find the node's CA among the other roots (spec §9.2). */
static void
expect_trust(const char *trusted_roots, int ok, const char *what)
{
	struct swgr_ln_opts o = { 2 * slow, trusted_roots, CREDS };
	struct swgr_ln_client *c = NULL;
	struct swgr_err e;
	uint64_t msat;
	char impl[2048];

	snprintf(impl, sizeof(impl), "{\"type\":\"clnGrpc\",\"url\":\"https://127.0.0.1:%d\","
	    "\"domain\":\"localhost\",\"auth\":{\"type\":\"path\",\"clientCertPath\":\"%s\","
	    "\"clientKeyPath\":\"%s\"}}", cln.port, f(&cln, "client.pem"), f(&cln, "client-key.pem"));
	CHECK_INT(swgr_ln_client_new(cln.pubkey, impl, &o, &c, &e), SWGR_OK);
	if (c == NULL)
		return;
	if (ok) {
		CHECK_INT(swgr_ln_inbound(c, &msat, &e), SWGR_OK);
	} else {
		CHECK_INT(swgr_ln_inbound(c, &msat, &e), SWGR_EUPSTREAM);
		CHECK(kit_contains(e.msg, "not trusted"));
	}
	if (getenv("VERBOSE") != NULL)
		fprintf(stderr, "  trust %s: %s\n", what, ok ? "ok" : e.msg);
	swgr_ln_client_free(c);
}

static void
test_trusted_roots(void)
{
	char dir[400], cmd[4096];

	expect_trust(NULL, 0, "system roots only");
	expect_trust(f(&cln, "ca.pem"), 1, "ln-trusted-roots");
	setenv("SSL_CERT_FILE", f(&cln, "ca.pem"), 1);
	expect_trust(NULL, 1, "SSL_CERT_FILE");
	setenv("SSL_CERT_FILE", "/nonexistent", 1);
	expect_trust(NULL, 0, "no system roots");
	snprintf(dir, sizeof(dir), "%s/certs", tmpdir);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && cp '%s' '%s/node-ca.pem' && cp '%s' '%s/'",
	    dir, f(&cln, "ca.pem"), dir, f(&lnd, "tls.cert"), dir);
	CHECK(system(cmd) == 0);
	setenv("SSL_CERT_DIR", dir, 1);
	expect_trust(NULL, 1, "SSL_CERT_DIR");
	unsetenv("SSL_CERT_DIR");
	unsetenv("SSL_CERT_FILE");
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay++;
	}
	return n;
}

/* The system store holds each certificate once, however many files repeat it. */
static void
test_trust_once(void)
{
	struct swgr_buf b = { 0 };
	char dir[400], file[400], cmd[4096];

	snprintf(dir, sizeof(dir), "%s/certs-once", tmpdir);
	snprintf(file, sizeof(file), "%s/bundle.pem", tmpdir);
	/* bundle: ca, lnd, ca; directory: ca with CRLF line breaks, lnd, a hash link, the client cert */
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && cat '%s' '%s' '%s' >'%s' && "
	    "sed 's/$/\r/' '%s' >'%s/ca-crlf.pem' && cp '%s' '%s/lnd.pem' && "
	    "ln -s lnd.pem '%s/0123abcd.0' && cp '%s' '%s/client.pem' && echo junk >'%s/README'",
	    dir, f(&cln, "ca.pem"), f(&lnd, "tls.cert"), f(&cln, "ca.pem"), file,
	    f(&cln, "ca.pem"), dir, f(&lnd, "tls.cert"), dir, dir, f(&cln, "client.pem"), dir, dir);
	CHECK(system(cmd) == 0);
	setenv("SSL_CERT_FILE", file, 1);
	unsetenv("SSL_CERT_DIR");
	CHECK_INT(swgr_trust_system_pem(&b), 2);
	CHECK_INT(count(b.p, "-----BEGIN CERTIFICATE-----"), 2);
	swgr_buf_reset(&b);
	setenv("SSL_CERT_DIR", dir, 1);
	CHECK_INT(swgr_trust_system_pem(&b), 3);
	CHECK_INT(count(b.p, "-----BEGIN CERTIFICATE-----"), 3);
	CHECK_INT(count(b.p, "-----END CERTIFICATE-----"), 3);
	swgr_buf_free(&b);
	setenv("SSL_CERT_FILE", "/nonexistent", 1);
	unsetenv("SSL_CERT_DIR");
	CHECK_INT(swgr_trust_system_pem(&b), 0);
	CHECK(b.len == 0);
	swgr_buf_free(&b);
	unsetenv("SSL_CERT_FILE");
}

/* A call to a node slower than the deadline returns SWGR_EUPSTREAM in time. */
static void
expect_deadline(struct swgr_ln_client *c, const struct sim *s, double timeout, const char *what)
{
	struct swgr_err e;
	uint64_t msat;
	char *b11 = NULL;
	double t0, dt;

	t0 = swgr_mono_now();
	CHECK_INT(swgr_ln_invoice(c, 1000, desc, strlen(desc), 60, &b11, &e), SWGR_EUPSTREAM);
	dt = swgr_mono_now() - t0;
	printf("  %s %s: invoice failed after %.3f s (timeout %.1f s)\n", s->kind, what, dt,
	    timeout);
	CHECK(dt >= timeout - 0.05 && dt < timeout + TOLERANCE);
	CHECK(kit_contains(e.msg, s->pubkey));
	CHECK(kit_contains(e.msg, s->timed_out));
	t0 = swgr_mono_now();
	CHECK_INT(swgr_ln_inbound(c, &msat, &e), SWGR_EUPSTREAM);
	dt = swgr_mono_now() - t0;
	printf("  %s %s: inbound failed after %.3f s\n", s->kind, what, dt);
	CHECK(dt >= timeout - 0.05 && dt < timeout + TOLERANCE);
	free(b11);
}

static void
test_deadlines(struct sim *s)
{
	const double timeout = 0.5 * slow;
	struct swgr_ln_client *c = client(s, 0.5);
	struct swgr_err e;
	uint64_t msat;
	char *b11 = NULL;
	double t0, dt;
	int tries;

	CHECK_INT(swgr_ln_inbound(c, &msat, &e), SWGR_OK);	/* connected */
	sim_set(s, "{\"latency_ms\":%d}", (int)(1500 * slow));
	expect_deadline(c, s, timeout, "latency 3 x timeout");
	sim_set(s, "{\"latency_ms\":%d}", (int)(200 * slow));
	CHECK_INT(swgr_ln_inbound(c, &msat, &e), SWGR_OK);	/* slow but in time */
	sim_set(s, "{\"latency_ms\":0,\"hang\":true}");
	expect_deadline(c, s, timeout, "hang");
	sim_set(s, "{\"hang\":false}");
	CHECK_INT(swgr_ln_inbound(c, &msat, &e), SWGR_OK);

	/* Down: refused connections fail fast, as UNAVAILABLE. */
	sim_set(s, "{\"down\":true}");
	t0 = swgr_mono_now();
	CHECK_INT(swgr_ln_invoice(c, 1000, desc, strlen(desc), 60, &b11, &e), SWGR_EUPSTREAM);
	dt = swgr_mono_now() - t0;
	printf("  %s down: invoice failed after %.3f s: %s\n", s->kind, dt, e.msg);
	/*
	 * A refused connection fails at once (~25 ms here); a connection the
	 * node dropped while stopping may take until the deadline to notice.
	 * What must hold is the deadline.
	 */
	CHECK(dt < timeout + TOLERANCE);
	CHECK(kit_contains(e.msg, s->pubkey));
	CHECK(kit_contains(e.msg, s->refused));
	t0 = swgr_mono_now();
	CHECK_INT(swgr_ln_inbound(c, &msat, &e), SWGR_EUPSTREAM);
	CHECK(swgr_mono_now() - t0 < timeout + TOLERANCE);
	/* Up again: the same client reconnects. */
	sim_set(s, "{\"down\":false}");
	t0 = swgr_mono_now();
	for (tries = 1; swgr_ln_inbound(c, &msat, &e) != SWGR_OK && tries < 100; tries++)
		usleep(20 * 1000);
	dt = swgr_mono_now() - t0;
	printf("  %s up again: inbound works after %.3f s, %d tries\n", s->kind, dt, tries);
	CHECK(tries == 1);
	CHECK_INT(swgr_ln_invoice(c, 1000, desc, strlen(desc), 60, &b11, &e), SWGR_OK);
	free(b11);
	b11 = NULL;

	/* The node refuses the request (LND, Eclair: amount 0): the caller's fault. */
	CHECK_INT(swgr_ln_invoice(c, 0, desc, strlen(desc), 60, &b11, &e),
	    s->invalid != NULL ? SWGR_EINVAL : SWGR_OK);
	if (s->invalid != NULL)
		CHECK(kit_contains(e.msg, s->invalid));
	free(b11);
	b11 = NULL;
	/* Other statuses (UNAVAILABLE from the node itself) are upstream failures. */
	sim_set(s, "{\"error_rate\":1.0}");
	CHECK_INT(swgr_ln_invoice(c, 1000, desc, strlen(desc), 60, &b11, &e), SWGR_EUPSTREAM);
	CHECK(kit_contains(e.msg, "simulated node error"));
	sim_set(s, "{\"error_rate\":0.0}");
	swgr_ln_client_free(c);
}

/*
 * swgr_ln_invoice_within: a caller's deadline shorter than the client's timeout
 * ends the call at that deadline (the balancer's request-deadline-secs); a
 * longer one leaves the client's timeout in force.
 */
static void
test_invoice_within(struct sim *s)
{
	struct swgr_ln_client *c = client(s, 2.0);
	struct swgr_err e;
	uint64_t msat;
	char *b11 = NULL;
	double t0, dt, max = 0.3 * slow;

	CHECK_INT(swgr_ln_inbound(c, &msat, &e), SWGR_OK);	/* connected */
	CHECK_INT(swgr_ln_invoice_within(c, max, 1000, desc, strlen(desc), 60, &b11, &e),
	    SWGR_OK);
	CHECK(b11 != NULL && strncmp(b11, "lnbc", 4) == 0);
	free(b11);
	b11 = NULL;
	sim_set(s, "{\"hang\":true}");
	t0 = swgr_mono_now();
	CHECK_INT(swgr_ln_invoice_within(c, max, 1000, desc, strlen(desc), 60, &b11, &e),
	    SWGR_EUPSTREAM);
	dt = swgr_mono_now() - t0;
	printf("  %s hang: invoice within %.1f s (timeout 2 s) failed after %.3f s\n", s->kind,
	    max, dt);
	CHECK(dt >= max - 0.05 && dt < max + TOLERANCE);
	CHECK(kit_contains(e.msg, s->timed_out));
	swgr_ln_client_free(c);
	/* A deadline past the client's timeout: the timeout ends the call. */
	c = client(s, 0.3);
	t0 = swgr_mono_now();
	CHECK_INT(swgr_ln_invoice_within(c, 5.0 * slow, 1000, desc, strlen(desc), 60, &b11, &e),
	    SWGR_EUPSTREAM);
	dt = swgr_mono_now() - t0;
	printf("  %s hang: invoice within 5 s (timeout 0.3 s) failed after %.3f s\n", s->kind, dt);
	CHECK(dt >= 0.3 * slow - 0.05 && dt < 0.3 * slow + TOLERANCE);
	sim_set(s, "{\"hang\":false}");
	swgr_ln_client_free(c);
	free(b11);
}

/* A port that accepts TCP connections and never says a word: the TLS handshake stalls. */
static void
test_silent_port(void)
{
	struct sockaddr_in a;
	struct swgr_ln_opts o = { 0.5 * slow, NULL, CREDS };
	struct swgr_ln_client *c = NULL;
	struct swgr_err e;
	socklen_t len = sizeof(a);
	uint64_t msat;
	double t0, dt;
	char impl[2048];
	int s, i;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0 || bind(s, (struct sockaddr *)&a,
	    sizeof(a)) != 0 || listen(s, 16) != 0 || getsockname(s, (struct sockaddr *)&a,
	    &len) != 0) {
		perror("silent port");
		exit(1);
	}
	snprintf(impl, sizeof(impl), "{\"type\":\"lndGrpc\",\"url\":\"https://127.0.0.1:%d\","
	    "\"auth\":{\"type\":\"path\",\"tlsCertPath\":\"%s\",\"macaroonPath\":\"%s\"},"
	    "\"ampInvoice\":false}", ntohs(a.sin_port), f(&lnd, "tls.cert"),
	    f(&lnd, "swgr.macaroon"));
	CHECK_INT(swgr_ln_client_new(lnd.pubkey, impl, &o, &c, &e), SWGR_OK);
	for (i = 0; c != NULL && i < 2; i++) {
		t0 = swgr_mono_now();
		CHECK_INT(swgr_ln_inbound(c, &msat, &e), SWGR_EUPSTREAM);
		dt = swgr_mono_now() - t0;
		printf("  silent port: inbound failed after %.3f s (timeout %.1f s)\n", dt,
		    o.timeout_secs);
		CHECK(dt < o.timeout_secs + TOLERANCE);
		CHECK(kit_contains(e.msg, "DEADLINE_EXCEEDED"));
	}
	swgr_ln_client_free(c);
	/* The same over Eclair's HTTP: connected, no answer, timed out at the deadline. */
	snprintf(impl, sizeof(impl), "{\"type\":\"eclairHttp\",\"url\":\"http://127.0.0.1:%d/\","
	    "\"auth\":{\"type\":\"path\",\"passwordPath\":\"%s\"}}", ntohs(a.sin_port),
	    f(&eclair, "eclair-api-password"));
	c = NULL;
	CHECK_INT(swgr_ln_client_new(eclair.pubkey, impl, &o, &c, &e), SWGR_OK);
	t0 = swgr_mono_now();
	CHECK_INT(swgr_ln_inbound(c, &msat, &e), SWGR_EUPSTREAM);
	dt = swgr_mono_now() - t0;
	printf("  silent port: eclair inbound failed after %.3f s: %s\n", dt, e.msg);
	CHECK(dt >= o.timeout_secs - 0.05 && dt < o.timeout_secs + TOLERANCE);
	CHECK(kit_contains(e.msg, "timed out"));
	swgr_ln_client_free(c);
	close(s);
}

struct worker {
	struct swgr_ln_client	*c;
	const struct sim	*s;
	int			 ok;
};

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct swgr_bolt11 inv;
	struct swgr_err e;
	uint8_t h[32];
	char *b11;
	int i;

	SHA256((const unsigned char *)desc, strlen(desc), h);
	for (i = 0; i < 50; i++) {
		b11 = NULL;
		if (swgr_ln_invoice(w->c, 1000 + (uint64_t)i, desc, strlen(desc), 600, &b11,
		    &e) != SWGR_OK) {
			fprintf(stderr, "  %s: %s\n", w->s->kind, e.msg);
			continue;
		}
		if (swgr_bolt11_decode(b11, strlen(b11), &inv, &e) == SWGR_OK) {
			if (swgr_bolt11_check(&inv, 1000 + (uint64_t)i, h, w->s->payee, &e) ==
			    SWGR_OK)
				w->ok++;
			swgr_bolt11_free(&inv);
		}
		free(b11);
	}
	return NULL;
}

static void
test_concurrency(const struct sim *s)
{
	struct swgr_ln_client *c = client(s, 10);
	struct worker w[8];
	pthread_t th[8];
	double t0;
	int i, ok = 0;

	t0 = swgr_mono_now();
	for (i = 0; i < 8; i++) {
		w[i].c = c;
		w[i].s = s;
		w[i].ok = 0;
		pthread_create(&th[i], NULL, work, &w[i]);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		ok += w[i].ok;
	}
	printf("  %s: 8 threads x 50 invoices: %d good in %.3f s\n", s->kind, ok, swgr_mono_now() - t0);
	CHECK_INT(ok, 400);
	swgr_ln_client_free(c);
}

static void
test_impl_equal(void)
{
	CHECK(swgr_ln_impl_equal("{\"a\":1,\"b\":[1,{\"c\":null}]}", "{ \"b\":[1,{\"c\":null}], \"a\":1}"));
	CHECK(!swgr_ln_impl_equal("{\"a\":1}", "{\"a\":2}"));
	CHECK(!swgr_ln_impl_equal("{\"a\":1}", "{\"a\":1,\"b\":2}"));
	CHECK(!swgr_ln_impl_equal("{\"a\":[1,2]}", "{\"a\":[2,1]}"));
	CHECK(!swgr_ln_impl_equal("{\"a\":1}", "{\"a\":"));
	CHECK(!swgr_ln_impl_equal("{", "{"));
	CHECK(swgr_ln_impl_equal(good_impl(&lnd), good_impl(&lnd)));
	CHECK(!swgr_ln_impl_equal(good_impl(&lnd), good_impl(&cln)));
	{
		struct swgr_ln_client *c = client(&cln, 1);

		CHECK(swgr_ln_impl_equal(swgr_ln_client_impl(c), good_impl(&cln)));
		swgr_ln_client_free(c);
	}
}

static int
have_python(void)
{
	if (access(KIT_PYTHON, X_OK) != 0) {
		printf("test_ln: skipped: %s is missing\n", KIT_PYTHON);
		return 0;
	}
	if (system(KIT_PYTHON " -c 'import grpc, cryptography, google.protobuf' 2>/dev/null") != 0 ||
	    system("protoc --version >/dev/null 2>&1") != 0) {
		printf("test_ln: skipped: %s lacks the grpc, cryptography or protobuf module,"
		    " or protoc is missing\n", KIT_PYTHON);
		return 0;
	}
	return 1;
}

int
main(void)
{
	size_t i;

	srcdir = kit_srcdir(__FILE__);
	if (!have_python())
		return 77;
	slow = kit_slow();
	swgr_log_open(NULL, getenv("VERBOSE") ? SWGR_LOG_DEBUG : SWGR_LOG_ERROR, NULL);
	tmpdir = kit_tmpdir("ln");
	cred_dir_v[0] = (char *)tmpdir;
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < sizeof(sims) / sizeof(sims[0]); i++)
		sim_start(sims[i]);

	for (i = 0; i < sizeof(sims) / sizeof(sims[0]); i++) {
		test_invoices(sims[i]);
		test_inbound(sims[i]);
	}
	test_errors();
	test_eclair();
	test_kind_templates();
	test_vet();
	test_trusted_roots();
	test_trust_once();
	for (i = 0; i < 3; i++) {		/* lnd, cln, eclair */
		test_deadlines(sims[i]);
		test_invoice_within(sims[i]);
	}
	test_silent_port();
	for (i = 0; i < 3; i++)
		test_concurrency(sims[i]);
	test_impl_equal();
	return t_done("test_ln");
}
