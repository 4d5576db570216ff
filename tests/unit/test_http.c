/* Tests of libswgr/net/http.c against a real HTTP and HTTPS server (tests/unit/http_peer.py). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "net/http.h"
#include "kit.h"
#include "t.h"

struct peer {
	pid_t	 pid;
	int	 port;
	char	 dir[300];
	char	 base[64];
};

static const char *srcdir, *tmpdir;
static double slow = 1;		/* 10 under valgrind */
static struct peer plain, tls;

/* Starts http_peer.py in <tmpdir>/<name> and waits for the port it writes. */
static void
peer_start(struct peer *p, const char *name, int with_tls)
{
	char script[600], portfile[400], log[400];
	FILE *f;
	double until;

	snprintf(script, sizeof(script), "%s/tests/unit/http_peer.py", srcdir);
	snprintf(p->dir, sizeof(p->dir), "%s/%s", tmpdir, name);
	snprintf(portfile, sizeof(portfile), "%s/port", p->dir);
	snprintf(log, sizeof(log), "%s.log", p->dir);
	p->pid = kit_spawn(log, KIT_PYTHON, script, "--dir", p->dir,
	    with_tls ? "--tls" : (char *)NULL, (char *)NULL);
	for (until = swgr_mono_now() + 60; swgr_mono_now() < until; usleep(50 * 1000)) {
		if (kit_exited(&p->pid))
			break;
		if ((f = fopen(portfile, "r")) == NULL)
			continue;
		if (fscanf(f, "%d", &p->port) != 1)
			p->port = 0;
		fclose(f);
		snprintf(p->base, sizeof(p->base), "%s://127.0.0.1:%d/", with_tls ? "https" : "http",
		    p->port);
		return;
	}
	snprintf(script, sizeof(script), "http_peer.py (%s)", name);
	kit_no_start(script, log);
}

static struct swgr_http_client *
client(const char *base, const char *roots, double total, const char *auth)
{
	struct swgr_http_opts o = { .base_url = base, .trusted_roots = roots,
	    .connect_timeout_secs = slow, .total_timeout_secs = total * slow, .auth_header = auth };
	struct swgr_http_client *c = NULL;
	struct swgr_err err = { 0 };

	if (swgr_http_client_new(&o, &c, &err) != SWGR_OK)
		fprintf(stderr, "client %s: %s\n", base, err.msg);
	return c;
}

static enum swgr_rc
get(struct swgr_http_client *c, const char *method, const char *const *segs, size_t nsegs,
    const char *query, struct swgr_http_resp *r, struct swgr_err *err)
{
	struct swgr_http_req q = { 0 };

	q.method = method;
	q.segs = segs;
	q.nsegs = nsegs;
	q.query = query;
	q.what = "testing";
	return swgr_http_do(c, &q, r, err);
}

/*
 * A GET of /seg on a new client of base (trusted roots, total timeout) that
 * must give rc want and, if they are not 0 or NULL, the status want_status or
 * an error containing needle.  Returns 0 (a failure) if the client could not
 * be made.
 */
static int
get_once(const char *base, const char *roots, double total, const char *seg, enum swgr_rc want,
    int want_status, const char *needle)
{
	const char *segs[] = { seg };
	struct swgr_http_client *c;
	struct swgr_http_resp r;
	struct swgr_err err = { 0 };

	if ((c = client(base, roots, total, NULL)) == NULL) {
		FAIL("no client");
		return 0;
	}
	CHECK(get(c, "GET", segs, 1, NULL, &r, &err) == want);
	if (want_status != 0)
		CHECK_INT(r.status, want_status);
	if (needle != NULL)
		CHECK(strstr(err.msg, needle) != NULL);
	swgr_http_resp_free(&r);
	swgr_http_client_free(c);
	return 1;
}

static void
test_options(void)
{
	struct swgr_http_opts o = { 0 };
	struct swgr_http_client *c = (void *)1;
	struct swgr_err err = { 0 };
	char path[400];
	FILE *f;

	o.base_url = "ftp://127.0.0.1/";
	CHECK(swgr_http_client_new(&o, &c, &err) == SWGR_EINTERNAL);
	CHECK(c == NULL);
	CHECK(strstr(err.msg, "ftp://127.0.0.1/") != NULL);
	o.base_url = "http://127.0.0.1:1/";
	o.trusted_roots = "/nonexistent/roots.pem";
	CHECK(swgr_http_client_new(&o, &c, &err) == SWGR_EINTERNAL);
	CHECK(strstr(err.msg, "/nonexistent/roots.pem") != NULL);
	snprintf(path, sizeof(path), "%s/notpem", tmpdir);
	if ((f = fopen(path, "w")) != NULL) {
		fputs("not a certificate\n", f);
		fclose(f);
	}
	o.trusted_roots = path;
	CHECK(swgr_http_client_new(&o, &c, &err) == SWGR_EINTERNAL);
	CHECK(strstr(err.msg, "no PEM certificate") != NULL);
	o.trusted_roots = NULL;
	o.base_url = "http://127.0.0.1:1///";
	CHECK(swgr_http_client_new(&o, &c, &err) == SWGR_OK);
	if (c != NULL)
		CHECK_STR(swgr_http_client_base(c), "http://127.0.0.1:1");
	swgr_http_client_free(c);
}

static void
test_headers(void)
{
	struct swgr_err err = { 0 };
	char path[400], *h = NULL;
	FILE *f;

	CHECK(swgr_http_basic("", "pw", &h, &err) == SWGR_OK);
	CHECK_STR(h, "Authorization: Basic OnB3");	/* base64(":pw") */
	swgr_http_header_free(h);
	snprintf(path, sizeof(path), "%s/token", tmpdir);
	if ((f = fopen(path, "w")) != NULL) {
		fputs("  abc.def-ghi\n\n", f);
		fclose(f);
	}
	CHECK(swgr_http_bearer_file(path, &h, &err) == SWGR_OK);
	CHECK_STR(h, "Authorization: Bearer abc.def-ghi");
	swgr_http_header_free(h);
	if ((f = fopen(path, "w")) != NULL) {
		fputs("abc def\n", f);
		fclose(f);
	}
	CHECK(swgr_http_bearer_file(path, &h, &err) == SWGR_EINTERNAL);
	CHECK(h == NULL && strstr(err.msg, "whitespace") != NULL);
	if ((f = fopen(path, "w")) != NULL)
		fclose(f);
	CHECK(swgr_http_bearer_file(path, &h, &err) == SWGR_EINTERNAL);
	CHECK(strstr(err.msg, "empty") != NULL && strstr(err.msg, path) != NULL);
	CHECK(swgr_http_bearer_file("/nonexistent/token", &h, &err) == SWGR_EINTERNAL);
	CHECK(strstr(err.msg, "/nonexistent/token") != NULL);
}

static void
test_escape(void)
{
	struct swgr_buf b = { 0 };

	swgr_http_escape(&b, "a b/c?d&e=f~g.h_i-j%", 20);
	CHECK_STR(b.p, "a%20b%2Fc%3Fd%26e%3Df~g.h_i-j%25");
	swgr_buf_reset(&b);
	swgr_http_form_add(&b, "amountMsat", "1000");
	swgr_http_form_add(&b, "description Hash", "ab&cd");
	CHECK_STR(b.p, "amountMsat=1000&description%20Hash=ab%26cd");
	swgr_buf_free(&b);
}

static void
test_requests(void)
{
	struct swgr_http_client *c = client(plain.base, NULL, 2.0, "Authorization: Bearer T0K");
	const char *segs[] = { "echo", "a b/c" };
	struct swgr_http_req q = { 0 };
	struct swgr_http_resp r;
	struct swgr_err err = { 0 };

	if (c == NULL) {
		FAIL("no client");
		return;
	}
	CHECK(get(c, "GET", segs, 2, "start=0&count=2", &r, &err) == SWGR_OK);
	CHECK_INT(r.status, 200);
	CHECK(r.body.p != NULL && strstr(r.body.p, "\"path\": \"/echo/a%20b%2Fc\"") != NULL);
	CHECK(r.body.p != NULL && strstr(r.body.p, "\"query\": \"start=0&count=2\"") != NULL);
	CHECK(r.body.p != NULL && strstr(r.body.p, "\"authorization\": \"Bearer T0K\"") != NULL);
	CHECK_STR(r.etag, "\"e1\"");
	CHECK(r.url != NULL && strstr(r.url, "/echo/a%20b%2Fc?start=0&count=2") != NULL);
	swgr_http_resp_free(&r);

	q.method = "POST";
	q.segs = segs;
	q.nsegs = 1;
	q.content_type = "application/x-www-form-urlencoded";
	q.body = "amountMsat=5";
	q.bodylen = 12;
	CHECK(swgr_http_do(c, &q, &r, &err) == SWGR_OK);
	CHECK_INT(r.status, 200);
	CHECK(r.body.p != NULL && strstr(r.body.p, "\"body\": \"amountMsat=5\"") != NULL);
	CHECK(r.body.p != NULL && strstr(r.body.p,
	    "\"content-type\": \"application/x-www-form-urlencoded\"") != NULL);
	swgr_http_resp_free(&r);

	/* ETag and If-None-Match. */
	segs[0] = "etag";
	memset(&q, 0, sizeof(q));
	q.method = "GET";
	q.segs = segs;
	q.nsegs = 1;
	CHECK(swgr_http_do(c, &q, &r, &err) == SWGR_OK);
	CHECK_INT(r.status, 200);
	CHECK_STR(r.etag, "\"abc\"");
	swgr_http_resp_free(&r);
	q.if_none_match = "\"abc\"";
	CHECK(swgr_http_do(c, &q, &r, &err) == SWGR_OK);
	CHECK_INT(r.status, 304);
	CHECK_STR(r.etag, "\"abc\"");
	CHECK_INT(r.body.len, 0);
	swgr_http_resp_free(&r);
	swgr_http_client_free(c);
}

static void
test_statuses(void)
{
	struct swgr_http_client *c = client(plain.base, NULL, 2.0, NULL);
	const char *segs[] = { "status", "404" };
	struct swgr_http_resp r;
	struct swgr_err err = { 0 };

	if (c == NULL) {
		FAIL("no client");
		return;
	}
	CHECK(get(c, "GET", segs, 2, NULL, &r, &err) == SWGR_OK);
	CHECK_INT(r.status, 404);
	CHECK(swgr_http_status_error(&r, "getting offer", &err) == SWGR_EINVAL);
	CHECK(strstr(err.msg, "getting offer") != NULL &&
	    strstr(err.msg, "invalid input, http status: 404 Not Found") != NULL);
	swgr_http_resp_free(&r);
	segs[1] = "503";
	CHECK(get(c, "GET", segs, 2, NULL, &r, &err) == SWGR_OK);
	CHECK(swgr_http_status_error(&r, "getting offer", &err) == SWGR_EUPSTREAM);
	CHECK(strstr(err.msg, "upstream failure, http status: 503 Service Unavailable") != NULL);
	swgr_http_resp_free(&r);
	segs[1] = "202";
	CHECK(get(c, "GET", segs, 2, NULL, &r, &err) == SWGR_OK);
	CHECK(swgr_http_status_error(&r, "getting offer", &err) == SWGR_EUPSTREAM);
	CHECK(strstr(err.msg, "unexpected http status 202 Accepted") != NULL);
	swgr_http_resp_free(&r);
	CHECK_STR(swgr_http_reason(599), "<unknown status code>");
	swgr_http_client_free(c);
}

static void
test_failures(void)
{
	struct swgr_http_client *c = client(plain.base, NULL, 0.4, NULL);
	const char *segs[] = { "slow" };
	struct swgr_http_resp r;
	struct swgr_err err = { 0 };
	double t0;

	if (c == NULL) {
		FAIL("no client");
		return;
	}
	t0 = swgr_mono_now();
	CHECK(get(c, "GET", segs, 1, slow > 1 ? "secs=30" : "secs=3", &r, &err) == SWGR_EUPSTREAM);
	CHECK(swgr_mono_now() - t0 < 2.0 * slow);
	CHECK(strstr(err.msg, "testing") != NULL && strstr(err.msg, "/slow?secs=3") != NULL);
	CHECK(strstr(err.msg, "timed out") != NULL);
	swgr_http_resp_free(&r);
	swgr_http_client_free(c);

	/* Nothing listens on port 1. */
	get_once("http://127.0.0.1:1/", NULL, 1.0, "slow", SWGR_EUPSTREAM, 0,
	    "http://127.0.0.1:1/slow");
}

static void
test_tls(void)
{
	char ca[400];

	snprintf(ca, sizeof(ca), "%s/ca.pem", tls.dir);
	if (get_once(tls.base, ca, 2.0, "echo", SWGR_OK, 200, NULL) == 0)
		return;
	/* Without the test CA the server is not trusted. */
	get_once(tls.base, NULL, 2.0, "echo", SWGR_EUPSTREAM, 0, "certificate");
}

#define THREADS	6
#define ROUNDS	15

static void *
hammer(void *arg)
{
	struct swgr_http_client *c = arg;
	const char *segs[] = { "echo", "t" };
	struct swgr_http_resp r;
	struct swgr_err err;
	long ok = 0;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		if (get(c, "GET", segs, 2, NULL, &r, &err) == SWGR_OK && r.status == 200)
			ok++;
		swgr_http_resp_free(&r);
	}
	return (void *)ok;
}

static void
test_threads(void)
{
	struct swgr_http_client *c = client(plain.base, NULL, 5.0, NULL);
	pthread_t th[THREADS];
	long total = 0;
	void *v;
	int i;

	if (c == NULL) {
		FAIL("no client");
		return;
	}
	for (i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, hammer, c);
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], &v);
		total += (long)v;
	}
	CHECK_INT(total, THREADS * ROUNDS);
	swgr_http_client_free(c);
}

int
main(void)
{
	srcdir = kit_srcdir(__FILE__);
	slow = kit_slow();
	swgr_log_open(NULL, getenv("VERBOSE") ? SWGR_LOG_DEBUG : SWGR_LOG_ERROR, NULL);
	tmpdir = kit_tmpdir("http");
	test_options();
	test_headers();
	test_escape();
	peer_start(&plain, "plain", 0);
	peer_start(&tls, "tls", 1);
	test_requests();
	test_statuses();
	test_failures();
	test_tls();
	test_threads();
	return t_done("test_http");
}
